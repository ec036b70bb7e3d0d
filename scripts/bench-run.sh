#!/usr/bin/env bash
# bench-run.sh — runs the benchmark suite into a run folder (make bench, bench-quick,
# bench-callgrind; the test stage `bench`).
#
#   scripts/bench-run.sh [--full|--quick|--callgrind] [--out DIR] [--repetitions N]
#                        [--min-time SECONDS] [--no-node] [--no-preload]
#   FILTER=regex (one grep -E regex for the C and the Node rows, over the names results.json
#                holds: Google Benchmark's suffixes stripped, node/NAME also by NAME;
#                a leading '-' excludes)
#
# Writes reports/runs/<UTC time>/results.json (or DIR/results.json): Google Benchmark
# JSON with every repetition of every row kept —
#   the C rows        build/bench/bufbench-bench
#   node/...          node bench/node/run.js (skipped with a message if it is not there)
#   malloc@<alloc>    the alloc_*/malloc/ rows again, each allocator in its own process
#                     under LD_PRELOAD (mimalloc-bench style), kept only if the process
#                     reports that it really got that allocator
# and a context block (commit, compilers and flags, CPU, SIMD level, kernel, load, the
# backends, the mode).  Google Benchmark's name suffixes become fields
# (scripts/bench-json.js normalize).  Ends with a ratio summary and the folder's path.
#
#   full       7 repetitions of 0.05 s each per row (make bench: <= 20 minutes here)
#   quick      the reduced grid, 9 repetitions of 0.02 s (<= 3 minutes)
#              Both interleave the repetitions of all rows at random: this VM runs the same
#              loop at two speeds minutes apart (baseline_malloc/16 at 12 or 21 ns), so a row
#              measured in one block of time could land in the other speed than its
#              baseline, and a ratio of two medians would report the machine, not the code.
#              Interleaved, every row samples the whole run.  Google Benchmark 1.7.1 then
#              re-estimates the iteration count in every repetition; 7 x 0.05 s costs what
#              5 x 0.1 s in blocks cost (measured here: 68 s interleaved at 5 x 0.05 s
#              against 109 s in blocks at 5 x 0.1 s for the alloc_pair, baseline and base64
#              rows)
#   callgrind  the quick grid under callgrind, fixed iteration counts, no threads, SIMD
#              pinned to scalar: instructions per iteration, the same JSON shape
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-build/bench/bufbench-bench}
BUF=${BUF:-build/buf}
FILTER=${FILTER:-}
DATA_DIR=${BENCH_DATA_DIR:-build/bench/data} # on disk: /tmp may be RAM
mode=full out="" repetitions="" min_time="" with_node=1 with_preload=1

die() { echo "bench-run: $*" >&2; exit 1; }
say() { echo "bench-run: $*"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --full|--quick|--callgrind) mode=${1#--} ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --repetitions) repetitions=${2:?--repetitions needs a count}; shift ;;
    --min-time) min_time=${2:?--min-time needs seconds}; shift ;;
    --no-node) with_node=0 ;;
    --no-preload) with_preload=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

[[ -x $BIN ]] || die "$BIN is missing: run make bench-build (make bench builds it first)"
[[ -x $BUF ]] || die "$BUF is missing: run make"
command -v node >/dev/null || die "node (v20) is needed for the JSON processing: make deps says how to get it"

# ---- The mode's settings -------------------------------------------------------------
quick_flag=() gb_flags=(--benchmark_color=false)
case $mode in
  full) : "${repetitions:=7}" "${min_time:=0.05}"
        gb_flags+=(--benchmark_enable_random_interleaving=true) ;;
  quick) : "${repetitions:=9}" "${min_time:=0.02}"
         quick_flag=(--quick); gb_flags+=(--benchmark_enable_random_interleaving=true) ;;
  callgrind) repetitions=1; quick_flag=(--quick); with_node=0; with_preload=0
             command -v valgrind >/dev/null || die "valgrind is missing: make deps installs it" ;;
esac
[[ $mode == callgrind ]] || gb_flags+=(--benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time")
# Stream files: 256 MiB in the full suite, 64 MiB in the quick one (bench/main.c says why);
# the C and the Node rows read files of one size from one folder.  Under callgrind a pass is
# counted, not timed, so a 256 KiB file (in a folder of its own) keeps 200 passes per row to
# seconds at callgrind's ~50x slowdown; the count per pass is what compares across commits.
case $mode in
  full) file_bytes=${BENCH_FILE_BYTES:-268435456} ;;
  quick) file_bytes=${BENCH_FILE_BYTES:-67108864} ;;
  callgrind) file_bytes=${BENCH_FILE_BYTES:-262144}; DATA_DIR=$DATA_DIR/callgrind ;;
esac
suite_flags=("${quick_flag[@]}" --data-dir "$DATA_DIR" --file-size "$file_bytes")

run=${out:-reports/runs/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$run/raw" "$DATA_DIR"
SECONDS=0
say "run folder $run ($mode)"

# ---- The context block ---------------------------------------------------------------
simd_level() {
  local flags
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for level in avx512bw:avx512 avx2:avx2 avx:avx sse4_2:sse4.2 ssse3:ssse3 sse2:sse2; do
    [[ $flags == *" ${level%%:*} "* ]] && { echo "${level#*:}"; return; }
  done
  uname -m
}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+="-dirty"
export BENCH_CTX_COMMIT=$commit
export BENCH_CTX_COMPILER="$(gcc --version | head -n 1); $(g++ --version | head -n 1)"
export BENCH_CTX_FLAGS="library and families: $(cat build/flags.stamp 2>/dev/null || echo '?'); shim: g++ -std=c++17 -O2 -g"
export BENCH_CTX_CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
export BENCH_CTX_SIMD="$(simd_level)"
export BENCH_CTX_KERNEL="$(uname -srm)"
export BENCH_CTX_LOAD_AVERAGE="start $(cut -d' ' -f1-3 /proc/loadavg)"
export BENCH_CTX_BACKENDS="$("$BUF" backends)"
export BENCH_CTX_MODE=$mode
export BENCH_CTX_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export BENCH_CTX_FILTER=$FILTER
export BENCH_CTX_REPETITIONS=$repetitions
export BENCH_CTX_MIN_TIME=${min_time:-fixed iterations}

# ---- FILTER over the names results.json holds --------------------------------------------
# Google Benchmark's --benchmark_filter searches its own names, suffixes included
# (NAME/real_time, NAME/threads:2, NAME/iterations:N), so FILTER='^stream_file/malloc/65536$'
# would select nothing there although that is the row's name in results.json.  So the runner
# lists every row once, FILTER selects by the name without suffixes (grep -E: POSIX extended
# regexes, as Google Benchmark's std::regex::extended), and Google Benchmark gets the
# selection back as its exact names.  A leading '-' excludes, as in Google Benchmark.
GB_SUFFIX='/(real_time|manual_time|threads:[0-9]+|iterations:[0-9]+|repeats:[0-9]+|min_time:[0-9.]+)'
strip_suffixes() { sed -E "s#($GB_SUFFIX)+\$##"; }
regex_quote() { sed 's/[][\.*^$()+?{}|]/\\&/g'; }

# filter_lines FILE...: the numbers of the lines FILTER selects, one a line; line k of every
# FILE names the same row, and the row is selected if FILTER matches it in any FILE (with a
# leading '-': in none).  An invalid FILTER ends the run with grep's message.
filter_lines() {
  local pattern=${FILTER#-} file found status matched="" count
  count=$(wc -l <"$1")
  for file in "$@"; do
    status=0
    found=$(grep -nE -e "$pattern" "$file" 2>"$run/raw/filter.err") || status=$?
    [[ $status -le 1 ]] || die "FILTER='$FILTER' is not a valid extended regex: $(cat "$run/raw/filter.err")"
    matched+=$(cut -d: -f1 <<<"$found")$'\n'
  done
  matched=$(grep -v '^$' <<<"$matched" | sort -un || true)
  if [[ $FILTER == -* ]]; then
    comm -23 <(seq 1 "$count" | sort) <(sort <<<"$matched") | sort -n
  else
    if [[ -n $matched ]]; then printf '%s\n' "$matched"; fi
  fi
}

# gb_selection_regex LISTED SELECTED: a --benchmark_filter that selects exactly the rows of
# SELECTED (Google Benchmark names, a subset of LISTED): ^(name|name|family/.*)$, a family all
# of whose rows are selected written as its prefix.  libstdc++'s std::regex refuses a regex
# of more than 100,000 NFA states: measured here, an alternation of every full-grid name
# (616 rows, 17 KB) compiles and lists in 0.05 s, five times that (87 KB) in 0.35 s, six
# times (104 KB) is refused.  With whole families folded the full grid's FILTER='.' is 578
# bytes and FILTER='-/pool/' (529 rows) 8 KB, far from that limit.
gb_selection_regex() {
  local alternatives
  alternatives=$(awk -F/ 'NR == FNR { listed[$1]++; next }
                          { chosen[$1]++; rows[$1] = rows[$1] $0 "\n" }
                          END { for (family in chosen)
                                  printf "%s", (chosen[family] == listed[family] ? family "/\t\n" : rows[family]) }' "$1" "$2" |
                 regex_quote | sed 's#\t$#.*#' | paste -sd '|')
  [[ ${#alternatives} -lt 90000 ]] ||
    die "FILTER='$FILTER' selects ${#alternatives} bytes of row names, more than Google Benchmark's regex takes: narrow it"
  echo "^($alternatives)\$"
}

# ---- The C rows ------------------------------------------------------------------------
# The benchmarks this run has, as Google Benchmark names them (suffixes included).
if [[ -n $FILTER ]]; then
  status=0; grep -E -e "${FILTER#-}" </dev/null >/dev/null 2>"$run/raw/filter.err" || status=$?
  [[ $status -le 1 ]] || die "FILTER='$FILTER' is not a valid extended regex: $(cat "$run/raw/filter.err")"
fi
mapfile -t tests < <("$BIN" "${suite_flags[@]}" --benchmark_list_tests)
[[ ${#tests[@]} -gt 0 ]] || die "$BIN lists no benchmark"
filter_flag=()
if [[ -n $FILTER ]]; then
  printf '%s\n' "${tests[@]}" | strip_suffixes >"$run/raw/names.txt"
  mapfile -t selected < <(filter_lines "$run/raw/names.txt")
  [[ ${#selected[@]} -gt 0 ]] || die "no benchmark matches FILTER='$FILTER' (it is matched against names without Google Benchmark's suffixes, as in results.json)"
  all_tests=("${tests[@]}") tests=()
  for line in "${selected[@]}"; do tests+=("${all_tests[line - 1]}"); done
  printf '%s\n' "${all_tests[@]}" >"$run/raw/listed.txt"
  printf '%s\n' "${tests[@]}" >"$run/raw/selected.txt"
  selection_regex=$(gb_selection_regex "$run/raw/listed.txt" "$run/raw/selected.txt")
  filter_flag=(--benchmark_filter="$selection_regex")
fi

# progress TOTAL: Google Benchmark's console rows on stdin -> "[k/N] name  time ...".
progress() {
  local total=$1 done_rows=0 first rest
  declare -A known=()
  for name in "${tests[@]}"; do known[$name]=1; done
  while IFS= read -r line; do
    read -r first rest <<<"$line" || true
    [[ -n $first && -n ${known[$first]:-} ]] || continue
    done_rows=$((done_rows + 1))
    set -f; printf '[%d/%d] %s %s\n' "$done_rows" "$total" "$first" "$(echo $rest)"; set +f
  done
}

# run_suite JSON TOTAL [ENV=VALUE...] -- [FLAGS...]: one bufbench-bench process.
run_suite() {
  local json=$1 total=$2; shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  env "${env[@]}" "$BIN" "${suite_flags[@]}" "${gb_flags[@]}" \
    --benchmark_out="$json" --benchmark_out_format=json "$@" | progress "$total"
}

json=$(dirname "$0")/bench-json.js
parts=()

if [[ $mode == callgrind ]]; then
  # Threads are left out: the shim skips Google Benchmark's threaded rows, and these
  # families start threads of their own (callgrind runs threads one at a time, so their
  # counts would not mean what the names say).
  threaded_families='^(alloc_xthread|stream_thread|stream_socket)/'
  single=()
  for name in "${tests[@]}"; do
    [[ $name == */threads:* || $name =~ $threaded_families ]] || single+=("$name")
  done
  [[ ${#single[@]} -gt 0 ]] || die "no single-threaded benchmark matches FILTER='$FILTER'"
  say "${#tests[@]} benchmarks, ${#single[@]} without threads, under callgrind (instructions in the timed batches)"
  plain=${#single[@]}
  tests=("${single[@]}")
  rm -rf "$run/callgrind"; mkdir -p "$run/callgrind"
  # Under valgrind every row runs a fixed iteration count, so Google Benchmark names it
  # NAME/iterations:N[/real_time]: select the listed rows by their names without suffixes.
  bases=$(printf '%s\n' "${tests[@]}" | strip_suffixes | sort -u | regex_quote | paste -sd '|')
  # BUFBENCH_VALGRIND_ANNOTATE=0: slab and pool take their native paths (no memcheck
  # client requests, no red zones), so the counts are the instructions a real run executes.
  BUFBENCH_VALGRIND_ANNOTATE=0 BUFBENCH_SIMD=scalar valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$run/callgrind/callgrind.out.%p" "$BIN" "${suite_flags[@]}" \
    "${gb_flags[@]}" --benchmark_filter="^($bases)(/.*)?\$" --benchmark_out="$run/raw/callgrind-timing.json" \
    --benchmark_out_format=json 2> >(grep -v '^==[0-9]*==' >&2) | progress "$plain"
  node "$json" callgrind "$run/raw/c.json" "$run/callgrind" "$run/raw/callgrind-timing.json"
  parts+=("$run/raw/c.json")
else
  total=$((${#tests[@]} * repetitions))
  say "${#tests[@]} benchmarks x $repetitions repetitions, min time ${min_time} s"
  run_suite "$run/raw/c-gb.json" "$total" -- "${filter_flag[@]}"
  node "$json" normalize "$run/raw/c-gb.json" "$run/raw/c.json"
  parts+=("$run/raw/c.json")
fi
say "C rows done in ${SECONDS}s"

# ---- Third-party allocators under LD_PRELOAD ----------------------------------------------
# Only the malloc backend's alloc_* rows: the other backends do not call malloc on their
# hot paths, and the baseline must stay glibc.  Each preload is its own process, and its
# rows count only if the process found its allocator's own symbol (bufbench_malloc).
preload_one() { # ALLOCATOR SONAME PACKAGE
  local allocator=$1 soname=$2 package=$3 library
  # awk reads all of ldconfig's output (an early exit would SIGPIPE ldconfig and fail the
  # pipeline under pipefail)
  library=$(ldconfig -p | awk -v name="$soname" '$1 == name && !found { print $NF; found = 1 }')
  if [[ -z $library ]]; then
    say "malloc@$allocator skipped: $soname not found (make deps installs $package)"
    return
  fi
  local alternatives
  alternatives=$(printf '%s\n' "${malloc_tests[@]}" | regex_quote | paste -sd '|')
  say "malloc@$allocator: ${#malloc_tests[@]} rows under LD_PRELOAD=$library"
  run_suite "$run/raw/$allocator-gb.json" $((${#malloc_tests[@]} * repetitions)) LD_PRELOAD="$library" -- \
    --benchmark_filter="^($alternatives)\$"
  local got
  got=$(node "$json" context "$run/raw/$allocator-gb.json" bufbench_malloc)
  if [[ $got != "$allocator" ]]; then
    say "malloc@$allocator skipped: under LD_PRELOAD=$library the process reports malloc '$got'"
    return
  fi
  node "$json" normalize "$run/raw/$allocator-gb.json" "$run/raw/$allocator.json" \
    --subject-suffix "@$allocator" --allocator "$allocator"
  parts+=("$run/raw/$allocator.json")
  preloaded+=("$allocator")
}
preloaded=()
if [[ $with_preload == 1 ]]; then
  malloc_tests=()
  for name in "${tests[@]}"; do [[ $name =~ ^alloc_[a-z0-9_]*/malloc/ ]] && malloc_tests+=("$name"); done
  if [[ ${#malloc_tests[@]} -eq 0 ]]; then
    say "no alloc_*/malloc/ rows in this run: no malloc@... rows"
  else
    preload_one mimalloc libmimalloc.so.2 libmimalloc2.0
    preload_one jemalloc libjemalloc.so.2 libjemalloc2
    preload_one tcmalloc libtcmalloc_minimal.so.4 libtcmalloc-minimal4
  fi
fi
export BENCH_CTX_PRELOADED="${preloaded[*]:-none}"

# ---- The Node rows ----------------------------------------------------------------------------
# A Node row node/NAME mirrors the C row NAME: FILTER selects it by NAME (so '^alloc_pair/'
# selects the mirrors of the C rows it selects) or by its full name, suffixes stripped as for
# the C rows (run.js names node/stream_file/65536/real_time too); run.js gets the selection as
# a regex of its exact names.
node_selection() {
  local line names=() alternatives=""
  node bench/node/run.js --list "${quick_flag[@]}" >"$run/raw/node-list.txt"
  mapfile -t names <"$run/raw/node-list.txt"
  strip_suffixes <"$run/raw/node-list.txt" >"$run/raw/node-names.txt"
  sed 's#^node/##' "$run/raw/node-names.txt" >"$run/raw/node-mirrored.txt"
  while read -r line; do
    alternatives+="${alternatives:+|}$(regex_quote <<<"${names[line - 1]}")"
  done < <(filter_lines "$run/raw/node-mirrored.txt" "$run/raw/node-names.txt")
  if [[ -n $alternatives ]]; then echo "^($alternatives)\$"; fi
}
if [[ $with_node == 1 ]]; then
  node_filter=.
  if [[ ! -f bench/node/run.js ]]; then
    say "bench/node/run.js is not in this tree: no node/ rows"
    export BENCH_CTX_NODE="not run (bench/node/run.js missing)"
  elif [[ -n $FILTER ]] && ! node_filter=$(node_selection) || [[ -z $node_filter ]]; then
    say "no node/ row matches FILTER='$FILTER'"
    export BENCH_CTX_NODE="not run (no node/ row matches FILTER)"
  else
    node_flags=(--out "$run/raw/node-gb.json" --data-dir "$DATA_DIR" --filter "$node_filter" --repetitions "$repetitions"
                --min-time "$min_time" --file-size "$file_bytes")
    [[ $mode == quick ]] && node_flags+=(--quick)
    say "node rows: node bench/node/run.js ${node_flags[*]}"
    node --expose-gc bench/node/run.js "${node_flags[@]}"
    node "$json" normalize "$run/raw/node-gb.json" "$run/raw/node.json"
    parts+=("$run/raw/node.json")
    export BENCH_CTX_NODE="$(node --version)"
  fi
fi

# ---- Results and summary ---------------------------------------------------------------------
export BENCH_CTX_LOAD_AVERAGE="$BENCH_CTX_LOAD_AVERAGE, end $(cut -d' ' -f1-3 /proc/loadavg)"
node "$json" merge "$run/results.json" "${parts[@]}"
echo
node "$json" summary "$run/results.json"
say "done in ${SECONDS}s; results: $run/results.json"
echo "$run"
