#!/usr/bin/env bash
# Installs the Debian packages bufbench needs, if any are missing.
#   scripts/deps.sh           install what is missing (apt-get as root, or sudo -n)
#   scripts/deps.sh --list    print the package list
# Idempotent: when everything is installed it only says so.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac

packages=(
  gcc g++ make clang llvm libclang-rt-14-dev   # compilers, sanitizer + libFuzzer runtimes, llvm-cov
  libcriterion-dev                             # unit tests
  valgrind                                     # client-request headers, memcheck runs
  libbenchmark-dev                             # benchmarks (Google Benchmark, C++: g++)
  libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4  # third-party allocators, LD_PRELOADed as malloc@...
  afl++                                        # fuzzing
  jq gnuplot-nox                               # reports
  python3 file chromium                        # make report (standard library only), its tests, the browser check
  yamllint python3-yaml zip unzip              # CI checks (scripts/check-ci.py), OSS-Fuzz seed corpus zips
)

if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${packages[@]}"; exit 0; fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

if ! command -v node >/dev/null 2>&1; then
  echo "deps: Node.js v20 is required (the semantic reference) but 'node' is not on PATH." >&2
  echo "deps: install Node.js 20 (Debian 12's nodejs package is v18, which differs) and retry." >&2
  exit 1
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo_cmd=()
elif sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  echo "deps: need root or passwordless sudo to run apt-get; install by hand: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
