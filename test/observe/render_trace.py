"""Draws the span tree of one trace from an OpenTelemetry Collector file
exporter output (OTLP JSON lines) as a PNG timeline, for docs/observability.md.

Usage: render_trace.py TRACES.jsonl OUT.png [TRACE_ID]
Without TRACE_ID it picks the trace whose batch span served the most requests.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def attributes(items):
    out = {}
    for item in items or []:
        value = item["value"]
        out[item["key"]] = next(iter(value.values())) if value else None
    return out


def load(path):
    spans = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            for rs in json.loads(line).get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        s["attrs"] = attributes(s.get("attributes"))
                        spans.append(s)
    return spans


def main():
    spans = load(sys.argv[1])
    if len(sys.argv) > 3:
        trace_id = sys.argv[3]
    else:
        batches = [s for s in spans if s["name"] == "batch"]
        best = max(batches, key=lambda s: int(s["attrs"].get("modelship.batch.size", 0)))
        trace_id = best["traceId"]
    trace = [s for s in spans if s["traceId"] == trace_id]
    by_parent = {}
    for s in trace:
        by_parent.setdefault(s.get("parentSpanId", ""), []).append(s)
    ids = {s["spanId"] for s in trace}
    roots = [s for s in trace if s.get("parentSpanId", "") not in ids]
    ordered = []

    def walk(span, depth):
        ordered.append((span, depth))
        for child in sorted(by_parent.get(span["spanId"], []), key=lambda c: int(c["startTimeUnixNano"])):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda r: int(r["startTimeUnixNano"])):
        walk(root, 0)
    t0 = min(int(s["startTimeUnixNano"]) for s in trace)
    colors = {"infer": "#4c72b0", "queue": "#dd8452", "batch": "#55a868", "compute": "#c44e52", "encode": "#8172b3"}
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(ordered) + 1.2))
    for row, (span, depth) in enumerate(ordered):
        start = (int(span["startTimeUnixNano"]) - t0) / 1e6
        length = max((int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])) / 1e6, 0.002)
        ax.barh(row, length, left=start, color=colors.get(span["name"], "#999999"), height=0.6)
        a = span["attrs"]
        extra = ""
        if span["name"] == "batch":
            extra = f"  size {a.get('modelship.batch.size')}, rows {a.get('modelship.batch.rows')}, worker {a.get('modelship.worker')}, {len(span.get('links', []))} links"
        elif span["name"] == "infer":
            extra = f"  {a.get('http.request.method', '')} {a.get('url.path', '')} -> {a.get('http.response.status_code', '')}"
        ax.text(start + length, row, f"  {length:.2f} ms{extra}", va="center", fontsize=8)
    ax.set_yticks(range(len(ordered)))
    # Leading spaces are trimmed in tick labels: draw the tree with box characters.
    ax.set_yticklabels([("\u2502  " * (depth - 1) + "\u2514\u2500 " if depth else "") + span["name"] for span, depth in ordered], fontfamily="monospace", ha="left")
    ax.tick_params(axis="y", pad=110)
    ax.invert_yaxis()
    ax.set_xlabel("ms since the first span of the trace")
    ax.set_title(f"trace {trace_id} (modelship-runtime, OTLP via the OpenTelemetry Collector)", fontsize=9)
    ax.margins(x=0.45)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
