#!/usr/bin/python3
"""check-ci.py — make test's ci-config stage: the CI files are valid and call only what exists.

    scripts/check-ci.py [--root DIR]      check the tree at DIR (default: this checkout)
    scripts/check-ci.py --help

GitHub Actions, ClusterFuzzLite and OSS-Fuzz cannot run here, so this checks what can be
checked without them, one count per check:
  - yamllint (settings in .yamllint) passes on every .github/workflows/*.yml|yaml,
    .clusterfuzzlite/project.yaml and fuzz/oss-fuzz/project.yaml;
  - each of those parses as YAML, and a workflow has triggers and jobs, every job a runner
    and steps, every step exactly one of `run:` and `uses:` (an action pinned with @ref);
  - every script a `run:` step runs (a command word that is a relative path or *.sh, e.g.
    scripts/bench-ab, also inside $(...)) is an executable file of the repository, and
    every goal of a `make` command is a target of the Makefile (as `make -pRrq` reads it);
  - the ClusterFuzzLite and OSS-Fuzz folders: project.yaml says `language: c`, the OSS-Fuzz
    one has main_repo, primary_contact, sanitizers and fuzzing_engines, and its Dockerfile
    clones main_repo; each Dockerfile builds FROM gcr.io/oss-fuzz-base/base-builder and
    every file it COPYs exists; each build.sh is executable and runs fuzz/build.sh.

It runs with Debian's /usr/bin/python3 and python3-yaml (a pyenv `python3` on PATH may lack
the yaml module).  Ends with the line "N passed, N failed"; exit status 1 on any failure,
2 on bad usage.
"""
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("check-ci: the yaml module is missing; install python3-yaml (make deps) and run with /usr/bin/python3")

# ---- Counting ---------------------------------------------------------------------------
passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok    {what}")
    else:
        failed += 1
        print(f"  FAIL  {what}")
    return ok


# ---- What the run: steps call -------------------------------------------------------------
# Words that may come before the command itself on a shell line.
PREFIX_WORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec",
                "env", "sudo", "command", "bash", "sh", "{", "("}


def shell_lines(script):
    """The logical lines of a shell script (backslash continuations joined, comments cut)."""
    text = script.replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def commands(line):
    """The simple commands of one shell line, each as its words from the command name on.

    A command substitution $(...) counts as a command of its own; environment assignments,
    case patterns (`0)`) and the words in PREFIX_WORDS are skipped, so the first word is
    what runs.  Words in quotes that a command only prints (echo "... scripts/x ...") are
    arguments, not commands, and are not checked."""
    line = line.replace("$(", ";").replace("`", ";")
    for segment in re.split(r"&&|\|\||;|\||\)\s*$", line):
        try:
            words = shlex.split(segment, comments=True)
        except ValueError:
            words = segment.split()
        while words and (words[0] in PREFIX_WORDS or words[0].endswith(")")
                         or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0])):
            words = words[1:]
        if words:
            yield words


def make_goals(words):
    """The goals of one `make` command (VAR=value and options skipped)."""
    goals = []
    skip_next = False
    for word in words[1:]:
        if skip_next:
            skip_next = False
        elif word in ("-C", "-f", "-o", "-W", "-I", "--directory", "--file"):
            skip_next = True
        elif word.startswith("-") or "=" in word or word.isdigit():
            continue
        else:
            goals.append(word)
    return goals


def is_script_path(word):
    """A command word naming a file of the repository: a relative path or any *.sh."""
    return ("/" in word or word.endswith(".sh")) and not word.startswith(("/", "$", "~"))


def makefile_targets(root):
    """Every target the Makefile defines, from make's own database."""
    result = subprocess.run(["make", "-pRrq", "-C", root, "-f", "Makefile", ":"],
                            capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""})
    targets = set()
    not_a_target = False
    for line in result.stdout.splitlines():
        if line.startswith("# Not a target"):
            not_a_target = True
            continue
        match = re.match(r"^([^\s#:=][^:=]*?):(?!=)", line)
        if match:
            if not not_a_target:
                targets.update(match.group(1).split())
            not_a_target = False
    return targets


# ---- The files -----------------------------------------------------------------------------
def yaml_files(root):
    workflows = os.path.join(root, ".github", "workflows")
    files = []
    if os.path.isdir(workflows):
        files += sorted(os.path.join(".github/workflows", f) for f in os.listdir(workflows)
                        if f.endswith((".yml", ".yaml")))
    files += [".clusterfuzzlite/project.yaml", "fuzz/oss-fuzz/project.yaml"]
    return files


def lint(root, files):
    present = [f for f in files if os.path.isfile(os.path.join(root, f))]
    for f in files:
        if f not in present:
            check(False, f"{f}: missing")
    if not present:
        return
    try:
        result = subprocess.run(["yamllint", "-f", "parsable", "-c", ".yamllint", *present],
                                cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        check(False, "yamllint is not installed (make deps installs it)")
        return
    problems = {}
    for line in result.stdout.splitlines():
        problems.setdefault(line.split(":", 1)[0], []).append(line)
    for f in present:
        found = problems.get(f, [])
        for line in found:
            print(f"        {line}")
        check(not found, f"{f}: yamllint")


def load(root, path):
    try:
        with open(os.path.join(root, path)) as stream:
            return yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as error:
        print(f"        {error}".replace("\n", "\n        "))
        return None


def check_workflow(root, path, workflow, targets):
    if not check(isinstance(workflow, dict), f"{path}: parses as a YAML mapping"):
        return
    # YAML 1.1 reads the key `on` as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    check(bool(triggers), f"{path}: has triggers (on:)")
    jobs = workflow.get("jobs")
    if not check(isinstance(jobs, dict) and jobs, f"{path}: has jobs"):
        return
    for job_name, job in jobs.items():
        where = f"{path}: job {job_name}"
        if not check(isinstance(job, dict) and "runs-on" in job and isinstance(job.get("steps"), list),
                     f"{where}: has runs-on and steps"):
            continue
        for index, step in enumerate(job["steps"], 1):
            label = f"{where} step {index} ({step.get('name', step.get('uses', 'run'))})" \
                if isinstance(step, dict) else f"{where} step {index}"
            if not check(isinstance(step, dict) and ("run" in step) != ("uses" in step),
                         f"{label}: exactly one of run/uses"):
                continue
            if "uses" in step:
                check(re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", str(step["uses"])) is not None,
                      f"{label}: action {step['uses']} pinned with @ref")
                continue
            for line in shell_lines(str(step["run"])):
                for words in commands(line):
                    if words[0] == "make":
                        for goal in make_goals(words):
                            check(goal in targets, f"{label}: make {goal} is a Makefile target")
                    elif is_script_path(words[0]):
                        script = os.path.normpath(words[0])
                        full = os.path.join(root, script)
                        check(os.path.isfile(full) and os.access(full, os.X_OK),
                              f"{label}: {script} is an executable file of the repository")


def check_fuzz_service(root, folder, project, oss_fuzz):
    """A ClusterFuzzLite or OSS-Fuzz folder: project.yaml, Dockerfile and build.sh agree."""
    if not check(isinstance(project, dict), f"{folder}/project.yaml: parses as a YAML mapping"):
        return
    check(project.get("language") == "c", f"{folder}/project.yaml: language: c")
    if oss_fuzz:
        for key in ("main_repo", "primary_contact", "sanitizers", "fuzzing_engines"):
            check(bool(project.get(key)), f"{folder}/project.yaml: has {key}")
        check(set(project.get("sanitizers") or []) <= {"address", "undefined", "memory"},
              f"{folder}/project.yaml: sanitizers are address/undefined/memory")
        check(set(project.get("fuzzing_engines") or []) <= {"libfuzzer", "afl", "honggfuzz", "centipede"},
              f"{folder}/project.yaml: fuzzing_engines are ones OSS-Fuzz knows")
    dockerfile_path = os.path.join(root, folder, "Dockerfile")
    try:
        with open(dockerfile_path) as stream:
            dockerfile = stream.read()
    except OSError:
        check(False, f"{folder}/Dockerfile: missing")
        return
    check(re.search(r"^FROM gcr\.io/oss-fuzz-base/base-builder\s*$", dockerfile, re.M) is not None,
          f"{folder}/Dockerfile: FROM gcr.io/oss-fuzz-base/base-builder")
    for source in re.findall(r"^COPY\s+(\S+)\s+\S+\s*$", dockerfile, re.M):
        # The OSS-Fuzz folder's COPY sources are relative to the folder; ClusterFuzzLite's
        # to the repository root (its build context).
        base = os.path.join(root, folder) if oss_fuzz else root
        check(os.path.exists(os.path.join(base, source)), f"{folder}/Dockerfile: COPY source {source} exists")
    if oss_fuzz:
        clones = re.findall(r"git clone\s+(?:--\S+\s+(?:\d+\s+)?)*(\S+)", dockerfile)
        main_repo = str(project.get("main_repo", "")).rstrip("/")
        check(bool(clones) and all(c.rstrip("/").removesuffix(".git") == main_repo.removesuffix(".git") for c in clones),
              f"{folder}/Dockerfile: clones main_repo ({main_repo})")
    build = os.path.join(root, folder, "build.sh")
    if check(os.path.isfile(build) and os.access(build, os.X_OK), f"{folder}/build.sh: executable"):
        with open(build) as stream:
            check("$SRC/bufbench/fuzz/build.sh" in stream.read(), f"{folder}/build.sh: runs $SRC/bufbench/fuzz/build.sh")


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = argv[1:]
    while args:
        if args[0] in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if args[0] == "--root" and len(args) > 1:
            root = os.path.abspath(args[1])
            args = args[2:]
        else:
            print(f"check-ci: unknown argument {args[0]!r}; see --help", file=sys.stderr)
            return 2
    if not os.path.isfile(os.path.join(root, "Makefile")):
        print(f"check-ci: {root} has no Makefile; --root must name a bufbench checkout", file=sys.stderr)
        return 2

    files = yaml_files(root)
    print(f"==> yamllint on {len(files)} files")
    lint(root, files)

    targets = makefile_targets(root)
    check(len(targets) > 0, f"make -pRrq read {len(targets)} targets from the Makefile")
    print("==> workflows")
    for path in files:
        if path.startswith(".github/"):
            check_workflow(root, path, load(root, path), targets)
    print("==> ClusterFuzzLite and OSS-Fuzz folders")
    check_fuzz_service(root, ".clusterfuzzlite", load(root, ".clusterfuzzlite/project.yaml"), oss_fuzz=False)
    check_fuzz_service(root, "fuzz/oss-fuzz", load(root, "fuzz/oss-fuzz/project.yaml"), oss_fuzz=True)

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
