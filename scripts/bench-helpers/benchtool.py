#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Arithmetic for scripts/bench: CPU time of a process tree from /proc, one result record per
# iperf3 run, and the final table / JSON.
#
#   benchtool.py cpu PID                   CPU seconds of PID and its living descendants
#   benchtool.py busy                      busy CPU seconds of the machine / uptime: "B/U"
#   benchtool.py drops NETNS               packets dropped on the tun devices of NETNS
#   benchtool.py record OUT key=value...   append one result (reads iperf3's --json file)
#   benchtool.py report RESULTS [JSONOUT]  print the table; write the JSON when asked
import json
import os
import statistics
import subprocess
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = float(1 << 30)


def proc_stat(pid):
    """(ppid, utime+stime+cutime+cstime in ticks) of one process, or None when gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    rest = data[data.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state): field N is rest[N - 3].
    ppid = int(rest[4 - 3])
    ticks = sum(int(rest[n - 3]) for n in (14, 15, 16, 17))
    return ppid, ticks


def tree_cpu(root):
    """CPU seconds of ROOT and every living descendant. Each process counts its own time
    plus that of its reaped children (cutime/cstime), so a worker that exited and was
    waited for is still counted (once: it is no longer in /proc)."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None:
                stats[int(name)] = st
    if root not in stats:
        return None, 0
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total = 0
    count = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        count += 1
        todo.extend(children.get(pid, []))
    return total / CLK_TCK, count


def tree_pss(root):
    """PSS in KiB of ROOT and every living descendant (smaps_rollup), and their count."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None:
                parents[int(name)] = st[0]
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total = count = 0
    todo = [root] if root in parents else []
    while todo:
        pid = todo.pop()
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
        count += 1
        todo.extend(children.get(pid, []))
    return total, count


def cmd_pss(args):
    kib, count = tree_pss(int(args[0]))
    print("%d %d" % (kib, count))
    return 0


def cmd_cpu(args):
    secs, count = tree_cpu(int(args[0]))
    if secs is None:
        print("benchtool: process %s is gone" % args[0], file=sys.stderr)
        return 1
    print("%.2f %d" % (secs, count))
    return 0


def cmd_busy(args):
    """Non-idle time of all CPUs since boot, in seconds (every field but idle and iowait;
    guest time is already inside user)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    vals = [int(v) for v in fields[1:9]]
    busy = sum(vals) - vals[3] - vals[4]
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    print("%.2f/%.2f" % (busy / CLK_TCK, uptime))
    return 0


def cmd_drops(args):
    """Sum of TX drops of every link in a namespace but lo and veth*: packets the kernel
    had for a tun device's reader (the VPN process) and could not queue."""
    out = subprocess.run(
        ["ip", "-n", args[0], "-s", "-j", "link", "show"],
        check=True,
        stdout=subprocess.PIPE,
        universal_newlines=True,
    ).stdout
    total = 0
    for link in json.loads(out):
        name = link.get("ifname", "")
        if name == "lo" or name.startswith("veth"):
            continue
        total += int(link.get("stats64", {}).get("tx", {}).get("dropped", 0))
    print(total)
    return 0


def iperf_summary(path):
    """Bytes and bit/s the receiver counted in an iperf3 --json file."""
    with open(path) as f:
        doc = json.load(f)
    if "error" in doc:
        raise ValueError("iperf3: %s" % doc["error"])
    recv = doc["end"]["sum_received"]
    sent = doc["end"]["sum_sent"]
    return {
        "bytes": int(recv["bytes"]),
        "seconds": float(recv["seconds"]),
        "mbit_s": float(recv["bits_per_second"]) / 1e6,
        "retransmits": int(sent.get("retransmits", 0)),
    }


def cmd_record(args):
    out = args[0]
    rec = {}
    for kv in args[1:]:
        key, _, val = kv.partition("=")
        rec[key] = val
    for key in ("run", "mtu", "processes"):
        if key in rec and rec[key].isdigit():
            rec[key] = int(rec[key])
    if "iperf" in rec:
        summary = iperf_summary(rec.pop("iperf"))
        rec.update(summary)
        cpu = float(rec.pop("cpu1")) - float(rec.pop("cpu0"))
        rec["server_cpu_s"] = round(cpu, 2)
        gib = summary["bytes"] / GIB
        rec["gib"] = round(gib, 4)
        rec["cpu_s_per_gib"] = round(cpu / gib, 3) if gib > 0 else None
        rec["mbit_s"] = round(rec["mbit_s"], 1)
        if "client0" in rec:
            ccpu = float(rec.pop("client1")) - float(rec.pop("client0"))
            rec["client_cpu_s_per_gib"] = round(ccpu / gib, 3) if gib > 0 else None
        for side in ("server", "client"):
            if side + "_drop0" in rec:
                rec[side + "_tun_drops"] = int(rec.pop(side + "_drop1")) - int(
                    rec.pop(side + "_drop0")
                )
        if "busy0" in rec:
            b0, u0 = (float(v) for v in rec.pop("busy0").split("/"))
            b1, u1 = (float(v) for v in rec.pop("busy1").split("/"))
            ncpu = os.cpu_count() or 1
            wall = max(u1 - u0, 0.01)
            rec["machine_busy_pct"] = round(100 * (b1 - b0) / (ncpu * wall), 1)
    if "logins" in rec:
        n = int(rec["logins"])
        rec["logins"] = n
        cpu = float(rec.pop("cpu1")) - float(rec.pop("cpu0"))
        rec["server_cpu_s"] = round(cpu, 2)
        rec["cpu_ms_per_login"] = round(1000 * cpu / n, 1)
        rec["wall_ms_per_login"] = round(float(rec.pop("wall_ms")) / n, 1)
    with open(out, "a") as f:
        f.write(json.dumps(rec, sort_keys=True) + "\n")
    return 0


DIRS = {"up": "client->server", "down": "server->client"}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": os.uname().release,
    }


def cmd_report(args):
    recs = []
    with open(args[0]) as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    info = {}
    tput = {}
    logins = {}
    for r in recs:
        kind = r.get("kind")
        if kind == "info":
            info.setdefault(r["server"], {}).update(
                {k: v for k, v in r.items() if k not in ("kind", "server")}
            )
        elif kind == "tput":
            tput.setdefault((r["server"], r["direction"]), []).append(r)
        elif kind == "login":
            logins[r["server"]] = r
    servers = [s for s in ("cstpd", "ocserv") if s in info or any(k[0] == s for k in tput)]
    summary = {}
    for (srv, d), runs in tput.items():
        summary.setdefault(srv, {})[d] = {
            "runs": len(runs),
            "mbit_s": median([r["mbit_s"] for r in runs]),
            "mbit_s_min": min(r["mbit_s"] for r in runs),
            "mbit_s_max": max(r["mbit_s"] for r in runs),
            "cpu_s_per_gib": median([r["cpu_s_per_gib"] for r in runs]),
            "cpu_s_per_gib_min": min(r["cpu_s_per_gib"] or 0 for r in runs),
            "cpu_s_per_gib_max": max(r["cpu_s_per_gib"] or 0 for r in runs),
            "retransmits": sum(r["retransmits"] for r in runs),
            "client_cpu_s_per_gib": median([r.get("client_cpu_s_per_gib") for r in runs]),
            "machine_busy_pct": median([r.get("machine_busy_pct") for r in runs]),
            "server_tun_drops": sum(r.get("server_tun_drops", 0) for r in runs),
            "client_tun_drops": sum(r.get("client_tun_drops", 0) for r in runs),
        }

    m = machine()
    print("machine: %d CPUs, %s, Linux %s" % (m["nproc"], m["cpu_model"], m["kernel"]))
    for srv in servers:
        i = info.get(srv, {})
        print(
            "%-6s  %s; TLS %s; tun MTU %s"
            % (srv, i.get("version", "?"), i.get("cipher", "?"), i.get("mtu", "?"))
        )
    print()
    print(
        "%-7s %-15s %10s %11s %5s   %14s %6s"
        % ("server", "direction", "Mbit/s", "CPU s/GiB", "runs", "client s/GiB", "busy")
    )
    for srv in servers:
        for d in ("up", "down"):
            s = summary.get(srv, {}).get(d)
            if s is None:
                continue
            print(
                "%-7s %-15s %10s %11s %5d   %14s %5s%%"
                % (
                    srv,
                    DIRS[d],
                    fmt(s["mbit_s"], ".0f"),
                    fmt(s["cpu_s_per_gib"], ".2f"),
                    s["runs"],
                    fmt(s["client_cpu_s_per_gib"], ".2f"),
                    fmt(s["machine_busy_pct"], ".0f"),
                )
            )
    print(
        "(medians; CPU s/GiB: the gateway's processes; client s/GiB: openconnect;"
        " busy: all CPUs of the machine)"
    )
    ratios = {}
    if "cstpd" in summary and "ocserv" in summary:
        print()
        print("cstpd/ocserv  %-15s %10s %11s" % ("direction", "Mbit/s", "CPU s/GiB"))
        for d in ("up", "down"):
            a = summary["cstpd"].get(d)
            b = summary["ocserv"].get(d)
            if not a or not b:
                continue
            r_t = a["mbit_s"] / b["mbit_s"] if a["mbit_s"] and b["mbit_s"] else None
            r_c = (
                a["cpu_s_per_gib"] / b["cpu_s_per_gib"]
                if a["cpu_s_per_gib"] and b["cpu_s_per_gib"]
                else None
            )
            ratios[d] = {"mbit_s": r_t, "cpu_s_per_gib": r_c}
            print("%-12s  %-15s %10s %11s" % ("", DIRS[d], fmt(r_t, ".2f"), fmt(r_c, ".2f")))
    if logins:
        print()
        print("%-7s %7s %15s %16s" % ("server", "logins", "CPU ms/login", "wall ms/login"))
        for srv in servers:
            r = logins.get(srv)
            if r:
                print(
                    "%-7s %7d %15.1f %16.1f"
                    % (srv, r["logins"], r["cpu_ms_per_login"], r["wall_ms_per_login"])
                )
        if "cstpd" in logins and "ocserv" in logins:
            a = logins["cstpd"]["cpu_ms_per_login"]
            b = logins["ocserv"]["cpu_ms_per_login"]
            ratios["login_cpu"] = a / b if b else None
            print("cstpd/ocserv CPU per login: %s" % fmt(ratios["login_cpu"], ".2f"))

    if len(args) > 1 and args[1]:
        doc = {
            "machine": m,
            "servers": info,
            "throughput": summary,
            "logins": logins,
            "ratio_cstpd_ocserv": ratios,
            "runs": [r for r in recs if r.get("kind") == "tput"],
        }
        with open(args[1], "w") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__ or "usage: benchtool.py cpu|record|report ...", file=sys.stderr)
        return 2
    cmds = {"pss": cmd_pss, "cpu": cmd_cpu, "busy": cmd_busy, "drops": cmd_drops, "record": cmd_record, "report": cmd_report}
    fn = cmds.get(sys.argv[1])
    if fn is None:
        print("benchtool: unknown command %s" % sys.argv[1], file=sys.stderr)
        return 2
    return fn(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
