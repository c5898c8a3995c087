#!/usr/bin/env python3
"""Bytes an agent pays for the tool list: starts a task-orchestrator over stdio, sends initialize and tools/list,
and prints the compact-JSON size of the whole `tools` array, of what the model sees (name, description,
inputSchema), of the output schemas, and of each tool.

    .ci/tools_list_size.py path/to/task-orchestrator [--tools core] [--json]

Standard library only; a fresh database in a temporary directory. `cargo bench -p orch-cli --bench context_cost`
prints the same figures (and the result sizes) and checks the targets.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def compact(v):
    return len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode())


def tools_list(binary, tools):
    with tempfile.TemporaryDirectory() as d:
        env = {"PATH": os.environ.get("PATH", ""), "TASK_ORCHESTRATOR_GIT_REPO": "off"}
        if tools:
            env["TASK_ORCHESTRATOR_TOOLS"] = tools
        p = subprocess.Popen([binary, "--db", f"sqlite://{d}/size.db", "serve"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)

        def send(msg):
            p.stdin.write(json.dumps(msg) + "\n")
            p.stdin.flush()

        def answer(want_id):
            for line in p.stdout:
                msg = json.loads(line)
                if msg.get("id") == want_id:
                    return msg
            sys.exit("the server closed stdout before answering")

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "size", "version": "1"}}})
        answer(1)
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        listed, cursor, n = [], None, 2
        while True:
            send({"jsonrpc": "2.0", "id": n, "method": "tools/list", "params": {"cursor": cursor} if cursor else {}})
            result = answer(n)["result"]
            listed += result["tools"]
            cursor = result.get("nextCursor")
            n += 1
            if not cursor:
                break
        p.stdin.close()
        p.wait(timeout=10)
        return listed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--tools", help="TASK_ORCHESTRATOR_TOOLS for the server (default: all)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args()
    tools = tools_list(a.binary, a.tools)
    visible = lambda t: compact({"name": t["name"], "description": t.get("description"), "inputSchema": t["inputSchema"]})
    rows = [(t["name"], compact(t), visible(t), compact(t["outputSchema"]) if "outputSchema" in t else 0) for t in tools]
    figures = {"tools": len(tools), "all": compact(tools), "visible": sum(r[2] for r in rows),
               "output": sum(r[3] for r in rows), "per_tool": {r[0]: {"all": r[1], "visible": r[2], "output": r[3]}
                                                            for r in rows}}
    if a.json:
        print(json.dumps(figures, indent=1))
        return
    print(f"tools/list, {len(tools)} tools: {figures['all']} bytes; model-visible (name, description, inputSchema): "
          f"{figures['visible']}; outputSchema: {figures['output']}")
    print(f"{'tool':<22}{'all':>7}{'visible':>9}{'output':>8}")
    for name, whole, vis, out in sorted(rows, key=lambda r: -r[1]):
        print(f"{name:<22}{whole:>7}{vis:>9}{out:>8}")


if __name__ == "__main__":
    main()
