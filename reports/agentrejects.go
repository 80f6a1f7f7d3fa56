package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/agentbill/agentbill/billing"
)

// RejectCount is how many input records of a period the lake's runs
// refused, and how many of them name each agent.
type RejectCount struct {
	Total int64
	// ByAgent are the agents the refused records name, most first.
	ByAgent []AgentRejectCount
}

// AgentRejectCount is the number of refused records that name an agent.
type AgentRejectCount struct {
	Agent string
	Count int64
}

// rejectsSQL reads the refused records of the run days [from, to).
const rejectsSQL = `SELECT file, raw FROM rejects WHERE date >= CAST(? AS DATE) AND date < CAST(? AS DATE) ORDER BY file, line`

// CountRejects counts the input records that the runs of the days [from,
// to) refused, by the agent each names. A reject keeps its record's raw
// text only, so the agent is read from it as its format gives it: a JSON
// record's agent_id (or Amazon Connect's Configuration.Username, or the
// last part of its AgentARN), a CTI message's AgentID, the fourth of an
// agentOprInfo row's 21 columns, or the agent_id column that the header
// of a CSV input names (when the input is still where the reject says,
// plain or gzipped). A record that names no agent counts in Total only.
func CountRejects(ctx context.Context, lakeDir string, from, to billing.Date) (RejectCount, error) {
	var out RejectCount
	db, err := OpenLake(ctx, lakeDir)
	if err != nil {
		return out, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, rejectsSQL, from.String(), to.String())
	if err != nil {
		return out, fmt.Errorf("read the rejects: %w", err)
	}
	defer rows.Close()
	headers := csvHeaders{}
	byAgent := map[string]int64{}
	for rows.Next() {
		var file, raw string
		if err := rows.Scan(&file, &raw); err != nil {
			return out, fmt.Errorf("read the rejects: %w", err)
		}
		out.Total++
		if agent := rejectAgent(file, raw, headers); agent != "" {
			byAgent[agent]++
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read the rejects: %w", err)
	}
	for agent, n := range byAgent {
		out.ByAgent = append(out.ByAgent, AgentRejectCount{Agent: agent, Count: n})
	}
	slices.SortFunc(out.ByAgent, func(a, b AgentRejectCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Agent, b.Agent))
	})
	return out, nil
}

var ctiAgentRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\bAgentID\s*:\s*([^\s:,;]+)`)
})

// rejectAgent is the agent a refused record names, or "".
func rejectAgent(file, raw string, headers csvHeaders) string {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "{") {
		return jsonAgent(raw)
	}
	if m := ctiAgentRE().FindStringSubmatch(raw); m != nil {
		return m[1]
	}
	fields, err := csv.NewReader(strings.NewReader(raw)).Read()
	if err != nil || len(fields) < 2 {
		return ""
	}
	if len(fields) == 21 { // agentOprInfo: id, developer_id, account_id, agent_id, …
		return strings.TrimSpace(fields[3])
	}
	if i := headers.agentColumn(file); i >= 0 && i < len(fields) {
		return strings.TrimSpace(fields[i])
	}
	return ""
}

// jsonAgent is the agent a JSON record names, or "".
func jsonAgent(raw string) string {
	var rec struct {
		AgentID  any    `json:"agent_id"`
		AgentARN string `json:"AgentARN"`
		Current  *struct {
			Configuration struct {
				Username string `json:"Username"`
			} `json:"Configuration"`
		} `json:"CurrentAgentSnapshot"`
	}
	if json.Unmarshal([]byte(raw), &rec) != nil {
		return ""
	}
	switch id := rec.AgentID.(type) {
	case string:
		if id != "" {
			return id
		}
	case float64:
		return fmt.Sprint(id)
	}
	if rec.Current != nil && rec.Current.Configuration.Username != "" {
		return rec.Current.Configuration.Username
	}
	if i := strings.LastIndexByte(rec.AgentARN, '/'); i >= 0 && i < len(rec.AgentARN)-1 {
		return rec.AgentARN[i+1:]
	}
	return ""
}

// csvHeaders remembers, per input file, the column its header names
// agent_id (-1: none, or the file cannot be read).
type csvHeaders map[string]int

func (h csvHeaders) agentColumn(file string) int {
	if i, ok := h[file]; ok {
		return i
	}
	i, err := readAgentColumn(file)
	if err != nil {
		i = -1
	}
	h[file] = i
	return i
}

// readAgentColumn reads the header line of a CSV file, plain or gzipped,
// and returns the index of its agent_id column.
func readAgentColumn(file string) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return -1, err
		}
		defer zr.Close()
		r = zr
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return -1, err
	}
	header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(line, "\ufeff"))).Read()
	if err != nil {
		return -1, err
	}
	for i, name := range header {
		if strings.EqualFold(strings.TrimSpace(name), "agent_id") {
			return i, nil
		}
	}
	return -1, errors.New("no agent_id column")
}
