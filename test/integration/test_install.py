#!/usr/bin/python3
"""The installed sensor, as an operator deploying it meets it.

- `meson install` into a staging folder installs every file under config/ (the config and the
  files beside it in etc/scanscope, the rest in share/scanscope), every file the installed
  config names, and every installed path the guides mention.
- The installed scanscope-gen writes a scenario from the installed scenarios; the installed
  scanscope, with the installed config alone (no option that names a file of the source tree,
  run from a folder that has no config/), counts every frame tcpdump counts, matches the
  installed signatures and loads the installed known-scanner list.
- The installed unit's ExecStart names the installed program and config, the variables it reads
  are the ones the installed /etc/default copy sets and the operator guide names, and
  `systemd-analyze verify` accepts it.
- config/scanscope.conf documents every option --help says the config file can set.

usage: test_install.py SCANSCOPE SOURCE_DIR BUILD_DIR
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_helpers import exit_status  # noqa: E402

failures = []
PREFIX = "/usr/local"
# Options of the config file that name a file, relative to the config's folder.
FILE_OPTIONS = ("clusters", "signatures", "actors", "geo-db")
# Options --help lists that the config file cannot set (the usage text says which).
COMMAND_LINE_ONLY = {"help", "version", "counter-families", "config"}


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def staged(stage, path):
    """Where an absolute installed path lies in the staging folder."""
    return os.path.join(stage, path.lstrip("/"))


def install(build_dir, stage):
    proc = subprocess.run(["meson", "install", "-C", build_dir, "--destdir", stage,
                           "--no-rebuild", "--quiet"], capture_output=True, text=True,
                          timeout=300)
    check("meson install exit code", proc.returncode, 0)
    if proc.returncode != 0:
        failures.append(f"meson install: {proc.stdout[-1000:]} {proc.stderr[-1000:]}")
        return False
    return True


def check_config_tree_installed(source_dir, stage):
    """Each file under config/: top-level files beside the installed config, files in folders
    under share/scanscope/FOLDER."""
    config = os.path.join(source_dir, "config")
    seen = 0
    for root, _, files in os.walk(config):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), config)
            if os.sep in rel:
                want = f"{PREFIX}/share/scanscope/{rel}"
            else:
                want = f"{PREFIX}/etc/scanscope/{rel}"
            seen += 1
            if not os.path.isfile(staged(stage, want)):
                failures.append(f"config/{rel} is not installed (no {want})")
    check("files under config/ looked at", seen > 10, True)


def config_settings(path):
    """(line number, name, value) of each `name = value` line of a config file."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            text = line.strip()
            if text and not text.startswith("#") and "=" in text:
                name, value = (part.strip() for part in text.split("=", 1))
                out.append((n, name, value))
    return out


def check_named_files(conf):
    folder = os.path.dirname(conf)
    named = 0
    for n, name, value in config_settings(conf):
        if name in FILE_OPTIONS and value != "none":
            named += 1
            path = value if os.path.isabs(value) else os.path.join(folder, value)
            if not os.path.isfile(path):
                failures.append(f"the installed config names {name} = {value} (line {n}), "
                                f"which is not installed")
    check("files the installed config names", named >= 3, True)


def check_paths_in_guides(source_dir, stage):
    """Every path under the install prefix that README.md, docs/, config/ or dockerfiles/ tell
    an operator to use exists in the installed tree."""
    pattern = re.compile(re.escape(PREFIX) +
                         r"/(?:bin|etc/scanscope|share/scanscope|lib/systemd)[\w./-]*")
    texts = [os.path.join(source_dir, "README.md")]
    for folder in ("docs", "config", "dockerfiles"):
        for root, _, files in os.walk(os.path.join(source_dir, folder)):
            texts += [os.path.join(root, f) for f in files if not f.endswith((".png", ".pcap"))]
    mentioned = set()
    for path in texts:
        with open(path, errors="replace") as f:
            for m in pattern.finditer(f.read()):
                mentioned.add((m.group(0).rstrip(".,"), os.path.relpath(path, source_dir)))
    check("installed paths the guides mention", len(mentioned) > 5, True)
    for path, where in sorted(mentioned):
        if not os.path.exists(staged(stage, path)):
            failures.append(f"{where} names {path}, which the install does not make")


def tcpdump_count(pcap):
    """Frames as tcpdump counts them (--count: some frames print on several lines)."""
    out = subprocess.run(["tcpdump", "--count", "-r", pcap], capture_output=True, text=True,
                         timeout=120, check=True)
    return int(re.match(r"(\d+) packets", out.stdout).group(1))


def check_installed_run(source_dir, stage, tmp):
    """The installed programs with the installed files only, from a folder without config/."""
    scanscope = staged(stage, f"{PREFIX}/bin/scanscope")
    gen = staged(stage, f"{PREFIX}/bin/scanscope-gen")
    conf = staged(stage, f"{PREFIX}/etc/scanscope/scanscope.conf")
    scenario = staged(stage, f"{PREFIX}/share/scanscope/scenarios/adb-mirai-2018-02.scn")
    workdir = os.path.join(tmp, "run")
    os.makedirs(workdir)
    adb = os.path.join(workdir, "adb.pcap")
    proc = subprocess.run([gen, scenario, "-q", "-o", adb], cwd=workdir, capture_output=True,
                          text=True, timeout=300)
    check("installed scanscope-gen exit code", (proc.returncode, proc.stderr[-500:]), (0, ""))
    if proc.returncode != 0:
        return
    nmap = os.path.join(workdir, "nmap-syn.pcap")
    shutil.copy(os.path.join(source_dir, "test", "data", "nmap-syn.pcap"), nmap)
    for capture in (nmap, adb):
        report_path = capture + ".json"
        proc = subprocess.run([scanscope, "--config", conf, "--pcap", capture, "--json-out",
                               report_path, "--quiet"], cwd=workdir, capture_output=True,
                              text=True, timeout=600)
        name = os.path.basename(capture)
        # -q: the report's line and warnings (the ADB scenario's Mirai windows fill the
        # fingerprint table at the default size) only.
        check(f"installed scanscope on {name}: exit code and errors",
              (proc.returncode, [line for line in proc.stderr.splitlines()
                                 if "warning:" not in line]),
              (0, [f"scanscope: report written to {report_path}"]))
        if proc.returncode != 0:
            continue
        with open(report_path) as f:
            report = json.load(f)
        check(f"installed scanscope on {name}: frames", report["totals"]["packets"],
              tcpdump_count(capture))
        if capture == adb:
            port = next((p for p in report["ports"] if p["port"] == 5555), {"signatures": []})
            hits = {s["name"]: s["hits"] for s in port["signatures"]}
            check("installed signatures match ADB CNXN", hits.get("adb-cnxn-legacy", 0) > 0, True)
    # The installed known-scanner list is read (its count is in the start-up line).
    proc = subprocess.run([scanscope, "--config", conf, "--pcap", nmap, "--geo-db", "none"],
                          cwd=workdir, capture_output=True, text=True, timeout=300)
    check("installed scanscope loads the installed actors.conf",
          bool(re.search(r"\d+ known scanners from .*actors\.conf", proc.stderr)), True)


def unit_variables(text):
    return set(re.findall(r"\$\{?(\w+)\}?", text))


def check_unit(source_dir, stage, tmp):
    unit_path = staged(stage, f"{PREFIX}/lib/systemd/system/scanscope.service")
    default_path = staged(stage, f"{PREFIX}/share/scanscope/systemd/scanscope.default")
    with open(unit_path) as f:
        unit = f.read()
    exec_start = re.search(r"^ExecStart=(.*?)(?<!\\)$", unit, re.M | re.S)
    if not exec_start:
        failures.append("the installed unit has no ExecStart")
        return
    command = exec_start.group(1).replace("\\\n", " ").split()
    program = command[0]
    check("ExecStart's program is installed", os.access(staged(stage, program), os.X_OK), True)
    config = command[command.index("--config") + 1] if "--config" in command else ""
    check("ExecStart's --config is installed", os.path.isfile(staged(stage, config)), True)
    # Variables: those ExecStart reads from the environment file are those the file sets.
    with open(default_path) as f:
        default = f.read()
    set_in_default = set(re.findall(r"^(\w+)=", default, re.M))
    read_by_unit = {v for v in unit_variables(exec_start.group(1)) if v.startswith("SCANSCOPE_")}
    check("variables the unit reads and /etc/default sets", read_by_unit, set_in_default)
    with open(os.path.join(source_dir, "docs", "operator-guide.md")) as f:
        guide_names = set(re.findall(r"\bSCANSCOPE_[A-Z_]+", f.read()))
    check("SCANSCOPE_ variables the operator guide names that the unit does not read",
          sorted(guide_names - read_by_unit), [])
    if not shutil.which("systemd-analyze"):
        failures.append("systemd-analyze is missing (Debian's systemd package)")
        return
    # The unit as installed, its absolute paths moved into the staging folder.
    moved = unit.replace(program, staged(stage, program))
    path = os.path.join(tmp, "scanscope.service")
    with open(path, "w") as f:
        f.write(moved)
    proc = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                          timeout=60)
    check("systemd-analyze verify on the installed unit",
          (proc.returncode, [l for l in proc.stderr.splitlines() if "scanscope.service" in l]),
          (0, []))


def check_config_documents_options(scanscope, source_dir):
    """Every option --help lists that a config file can set is in config/scanscope.conf, as a
    setting or a commented example."""
    help_text = subprocess.run([scanscope, "--help"], capture_output=True, text=True,
                               timeout=60, check=True).stdout
    options = set(re.findall(r"^\s+(?:-\w \[ )?--([\w-]+)", help_text, re.M))
    check("options --help lists", len(options) > 50, True)
    with open(os.path.join(source_dir, "config", "scanscope.conf")) as f:
        documented = set(re.findall(r"^#? ?([\w-]+) =", f.read(), re.M))
    check("options of --help that config/scanscope.conf leaves out",
          sorted(options - COMMAND_LINE_ONLY - documented), [])
    check("command-line-only options config/scanscope.conf sets",
          sorted(COMMAND_LINE_ONLY & documented), [])


def main():
    scanscope, source_dir, build_dir = sys.argv[1:4]
    check_config_documents_options(scanscope, source_dir)
    with tempfile.TemporaryDirectory() as tmp:
        stage = os.path.join(tmp, "stage")
        if install(build_dir, stage):
            check_config_tree_installed(source_dir, stage)
            check_named_files(staged(stage, f"{PREFIX}/etc/scanscope/scanscope.conf"))
            check_paths_in_guides(source_dir, stage)
            check_unit(source_dir, stage, tmp)
            check_installed_run(source_dir, stage, tmp)
    return exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
