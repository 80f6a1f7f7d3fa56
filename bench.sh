#!/usr/bin/env bash
# bench.sh: the figures of BENCHMARKS.md, from a clean checkout.
#
#   ./bench.sh [WORK_DIR]        (default /tmp/agentbill-bench; needs ~6 GB free)
#
# It runs the package benchmarks (go test -bench), then the whole pipeline
# on generated days of 1,000, 10,000 and 100,000 agents under
# /usr/bin/time -v, one agent with a million events, every input format, a
# Parquet size comparison with DuckDB's own writer, and the reports over 30
# days. Results go to WORK_DIR/results.md. BENCH_QUICK=1 skips the 100,000
# agent day and the million-event agent (a few minutes instead of ~10).
# The peer is built from PEER_DIR (default: ../shared/peer beside the
# checkout); without it the comparison says it was left out and why.
set -euo pipefail

work=${1:-/tmp/agentbill-bench}
quick=${BENCH_QUICK:-0}
repo=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
bin=$work/agentbill
out=$work/results.md
day=2026-11-20

cd "$repo"
go build -o "$bin" ./cmd/agentbill

say() { printf '%s\n' "$*" | tee -a "$out"; }
: >"$out"
say "# agentbill benchmark results"
say ""
say "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
say "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
say "- $(go version)"
say ""

# timed LABEL CMD...: runs CMD under /usr/bin/time -v; sets wall (s), cpu
# (user + system, s) and rss (MB).
timed() {
	local label=$1
	shift
	# What the runs before wrote is flushed first: the kernel's writeback
	# would otherwise take CPU from this run.
	sync
	/usr/bin/time -v "$@" >"$work/$label.out" 2>"$work/$label.err" || {
		echo "failed: $*" >&2
		tail -5 "$work/$label.err" >&2
		exit 1
	}
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$label.err")
	rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$work/$label.err")
	cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$work/$label.err")
}

# manifest_count LAKE KEY: a count from the day's manifest.
manifest_count() {
	grep -o "\"$2\": *[0-9]*" "$1/runs/$day.json" | head -1 | grep -o '[0-9]*$'
}

say "## Package benchmarks"
say ""
say '```'
go test ./ingest -run '^$' -bench 'BenchmarkRead' -benchtime 3x | grep -E '^Benchmark' | tee -a "$out"
go test ./billing -run '^$' -bench 'BenchmarkRunDay' -benchtime 3x | grep -E '^Benchmark' | tee -a "$out"
go test ./billing/... -run '^$' -bench 'BenchmarkIDAssigner|BenchmarkSum|BenchmarkSHA256' | grep -E '^Benchmark' | tee -a "$out"
go test ./ingest/spill -run '^$' -bench 'BenchmarkEventSorter' -benchtime 3x | grep -E '^Benchmark' | tee -a "$out"
go test ./ingest/lake -run '^$' -bench 'BenchmarkWriteBills' -benchtime 2x | grep -E '^Benchmark|parquet:' | tee -a "$out"
go test ./reports -run '^$' -bench 'BenchmarkReport30Days500Agents' -benchtime 1x | grep -E '^Benchmark' | tee -a "$out"
say '```'
say ""

say "## End to end: one day of canonical events per size"
say ""
say "| agents | input MB | events read | bills | wall s | events/s | peak RSS MB |"
say "|---:|---:|---:|---:|---:|---:|---:|"
sizes="1000 10000 100000"
[ "$quick" = 1 ] && sizes="1000 10000"
for n in $sizes; do
	gen=$work/gen-$n
	[ -s "$gen/events-$day.csv" ] || "$bin" generate --agents "$n" --days 1 --start "$day" --format events --out "$gen" >/dev/null
	lake=$work/lake-$n
	rm -rf "$lake"
	timed "ingest-$n" "$bin" ingest --lake "$lake" --date "$day" "$gen/events-$day.csv"
	records=$(manifest_count "$lake" records)
	bills=$(manifest_count "$lake" bills)
	mb=$(($(stat -c %s "$gen/events-$day.csv") / 1000000))
	say "| $n | $mb | $records | $bills | $wall | $(awk -v r="$records" -v w="$wall" 'BEGIN{printf "%.0f", r/w}') | $rss |"
done
say ""

say "## Against the peer: DuckDB SQL on the same file, in the same run"
say ""
# The peer (../shared/peer) is the bill derivation an analyst would write
# in DuckDB SQL; it is built here from its own module, beside agentbill.
peer=$work/peer
peer_dir=${PEER_DIR:-$repo/../shared/peer}
if [ ! -x "$peer" ] && [ -d "$peer_dir" ]; then
	rm -rf "$work/peer-src"
	cp -r "$peer_dir" "$work/peer-src"
	chmod -R u+w "$work/peer-src"
	(cd "$work/peer-src" && go build -o "$peer" .)
fi
# A one-day file of 25,000 agents with about 48 events each (1.2 M events,
# ~52 MB): naive UTC times, as the peer reads them.
p25=$work/day25k.csv
if [ ! -s "$p25" ]; then
	awk 'BEGIN {
		srand(1)
		for (a = 1; a <= 25000; a++) {
			agent = sprintf("A%05d", a)
			t = int(rand() * 14 * 3600) * 1000 + int(rand() * 1000)
			ev[n++] = t "\t" agent ",1,,,,"
			k = 40 + int(rand() * 15); call = 0
			for (i = 0; i < k; i++) {
				t += (5 + int(rand() * 896)) * 1000 + int(rand() * 1000)
				r = rand()
				if (r < 0.35) { call++; m = rand() < 0.9 ? "voice" : "text"; line = agent ",60,,,c" agent "-" call "," m }
				else if (r < 0.6) line = agent ",27,,0,,"
				else if (r < 0.8) line = agent ",2,,,,"
				else if (r < 0.88) line = agent ",26,," (1 + int(rand() * 9)) ",,"
				else if (r < 0.94) line = agent ",3,," (1 + int(rand() * 7)) ",,"
				else line = agent ",38,,,,"
				ev[n++] = t "\t" line
			}
			t += (5 + int(rand() * 596)) * 1000
			ev[n++] = t "\t" agent ",0,,258,,"
		}
		for (i = 0; i < n; i++) print ev[i]
	}' | awk -F'\t' '$1 < 86400000' | sort -t$'\t' -k1,1n -s | awk -F'\t' -v day="$day" '
		BEGIN { print "time,agent_id,op_type,op_object,op_cause,call_id,media_type" }
		{ s = int($1 / 1000); printf "%s %02d:%02d:%02d.%03d,%s\n", day, int(s / 3600), int(s % 3600 / 60), s % 60, $1 % 1000, $2 }' >"$p25"
fi
if [ ! -x "$peer" ]; then
	say "Left out: no peer at $peer_dir (set PEER_DIR to the folder of ../shared/peer)."
	say ""
	echo "bench.sh: no peer at $peer_dir; the comparison is left out (set PEER_DIR)" >&2
else
	say "| run | agentbill wall s | agentbill CPU s | agentbill RSS MB | peer wall s | peer CPU s | peer RSS MB | peer ÷ agentbill (wall) | (CPU) |"
	say "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for i in 1 2 3; do
		rm -rf "$work/lake-p25"
		timed "p25-ab-$i" "$bin" ingest --lake "$work/lake-p25" --date "$day" "$p25"
		aw=$wall ar=$rss ac=$cpu
		timed "p25-peer-$i" "$peer" "$p25" "$work/peer-$i.parquet"
		say "| $i | $aw | $ac | $ar | $wall | $cpu | $rss | $(awk -v a="$aw" -v p="$wall" 'BEGIN{printf "%.2f", p/a}') | $(awk -v a="$ac" -v p="$cpu" 'BEGIN{printf "%.2f", p/a}') |"
	done
	records=$(manifest_count "$work/lake-p25" records)
	say ""
	say "$records events; agentbill $(awk -v r="$records" -v w="$aw" 'BEGIN{printf "%.0f", r/w}') events/s in the last run."
	say ""
	say "| cores | wall s | events/s |"
	say "|---:|---:|---:|"
	for c in 1 2; do
		rm -rf "$work/lake-p25"
		cpus=$((c - 1))
		timed "p25-cores-$c" env GOMAXPROCS=$c taskset -c 0-$cpus "$bin" ingest --lake "$work/lake-p25" --date "$day" "$p25"
		say "| $c | $wall | $(awk -v r="$records" -v w="$wall" 'BEGIN{printf "%.0f", r/w}') |"
	done
	say ""
	# Where the CPU goes on this file: the profile of one more run.
	rm -rf "$work/lake-p25"
	"$bin" --cpuprofile "$work/p25.prof" ingest --lake "$work/lake-p25" --date "$day" "$p25" 2>/dev/null
	say "CPU profile of one run (\`go tool pprof -top\`, the heaviest functions by own time):"
	say ""
	say '```'
	go tool pprof -top -nodecount=25 "$bin" "$work/p25.prof" 2>/dev/null | sed -n '4,31p' | tee -a "$out"
	say '```'
	say ""
fi

say "## End to end: input formats (10,000 agents, one day)"
say ""
say "| format | input MB | records | wall s | records/s | MB/s | peak RSS MB |"
say "|---|---:|---:|---:|---:|---:|---:|"
for f in events cti agentoprinfo; do
	gen=$work/fmt-$f
	[ -d "$gen" ] || "$bin" generate --agents 10000 --days 1 --start "$day" --format "$f" --out "$gen" >/dev/null
	file=$(ls "$gen"/*"$day"*)
	lake=$work/lake-fmt-$f
	rm -rf "$lake"
	timed "fmt-$f" "$bin" ingest --lake "$lake" --date "$day" --format "$f" "$file"
	records=$(manifest_count "$lake" records)
	bytes=$(stat -c %s "$file")
	say "| $f | $((bytes / 1000000)) | $records | $wall | $(awk -v r="$records" -v w="$wall" 'BEGIN{printf "%.0f", r/w}') | $(awk -v b="$bytes" -v w="$wall" 'BEGIN{printf "%.0f", b/w/1e6}') | $rss |"
done
say ""

say "## Parquet size against DuckDB's own writer (the 10,000-agent day)"
say ""
lake=$work/lake-10000
ours=$lake/bills/date=$day/bills.parquet
for c in zstd snappy; do
	"$bin" query --lake "$lake" "COPY (SELECT * EXCLUDE (date) FROM read_parquet('$ours')) TO '$work/duckdb-$c.parquet' (FORMAT parquet, COMPRESSION $c)" >/dev/null
done
o=$(stat -c %s "$ours")
z=$(stat -c %s "$work/duckdb-zstd.parquet")
s=$(stat -c %s "$work/duckdb-snappy.parquet")
say "| file | bytes | ours ÷ it |"
say "|---|---:|---:|"
say "| agentbill bills.parquet | $o | |"
say "| DuckDB COPY, ZSTD | $z | $(awk -v a="$o" -v b="$z" 'BEGIN{printf "%.2f", a/b}') |"
say "| DuckDB COPY, default (Snappy) | $s | $(awk -v a="$o" -v b="$s" 'BEGIN{printf "%.2f", a/b}') |"
say ""

if [ "$quick" != 1 ]; then
	say "## One agent with a million events in a day"
	say ""
	busy=$work/busy-agent.csv
	if [ ! -s "$busy" ]; then
		awk -v day="$day" 'BEGIN {
			print "time,agent_id,op_type,op_object,op_cause,call_id,media_type"
			printf "%sT00:00:00.000000Z,BUSY1,1,,,,\n", day
			for (i = 1; i <= 1000000; i++) {
				us = i * 86000; s = int(us / 1000000); f = us % 1000000
				t = sprintf("%sT%02d:%02d:%02d.%06dZ", day, int(s / 3600), int(s % 3600 / 60), s % 60, f)
				if (i % 2) printf "%s,BUSY1,4,,,call%d,voice\n", t, i
				else printf "%s,BUSY1,26,,%d,,\n", t, i % 5
			}
		}' >"$busy"
	fi
	lake=$work/lake-busy
	rm -rf "$lake"
	timed busy "$bin" ingest --lake "$lake" --date "$day" "$busy"
	say "| events | bills | wall s | peak RSS MB |"
	say "|---:|---:|---:|---:|"
	say "| $(manifest_count "$lake" records) | $(manifest_count "$lake" bills) | $wall | $rss |"
	say ""
fi

say "## Reports over 30 days (500 agents)"
say ""
gen=$work/gen-30days
lake=$work/lake-30days
if [ ! -d "$lake/runs" ]; then
	"$bin" generate --agents 500 --days 30 --start 2026-10-01 --format events --out "$gen" >/dev/null
	"$bin" ingest --lake "$lake" "$gen"/events-*.csv 2>/dev/null
fi
timed report30 "$bin" report all --lake "$lake" --from 2026-10-01 --to 2026-10-31 --out "$work/report-out"
say "| what | wall s | peak RSS MB |"
say "|---|---:|---:|"
say "| agentbill report, all three, 30 days | $wall | $rss |"
say ""
echo "results in $out"
