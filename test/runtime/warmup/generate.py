"""Valid single-operator ONNX models that a warm-up on zeros (every dynamic
dimension set to 1) cannot run, although onnxruntime runs them on real input:
the runtime must still serve them (issue 11). Each model comes with one
correct request and the output onnxruntime gives for it, in <name>.json.

Run through `make warmup-models` (the pinned venv of examples/models); the
output is byte-identical from run to run (no timestamps, no randomness).

Usage: generate.py [OUT_DIR]   (default: test/runtime/warmup/models)
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

# Runs on zeros are expected to fail here; keep their error lines out of the output.
ort.set_default_logger_severity(4)
IR_VERSION = 8

V2 = {np.dtype(np.float32): "FP32", np.dtype(np.int64): "INT64"}


def const(name: str, values, dtype) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def model(name: str, nodes, inputs, outputs, initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="modelship-tests")
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m, full_check=True)
    return m


def fp32(name: str, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def int64(name: str, shape):
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


def cases():
    """(name, why zeros fail, model, one correct request as numpy arrays)."""
    yield (
        "reshape-fixed",
        "Reshape of a dynamic [n] input to a fixed [2, 3]: n = 1 has 1 element, not 6",
        model("reshape-fixed", [helper.make_node("Reshape", ["x", "shape"], ["y"])], [fp32("x", ["n"])], [fp32("y", [2, 3])], [const("shape", [2, 3], np.int64)]),
        {"x": np.arange(6, dtype=np.float32)},
    )
    yield (
        "split-fixed",
        "Split of a dynamic [n] input into fixed parts of 2 and 4: n = 1 cannot split",
        model(
            "split-fixed",
            [helper.make_node("Split", ["x", "parts"], ["a", "b"], axis=0)],
            [fp32("x", ["n"])],
            [fp32("a", [2]), fp32("b", [4])],
            [const("parts", [2, 4], np.int64)],
        ),
        {"x": np.arange(6, dtype=np.float32)},
    )
    yield (
        "slice-step-input",
        "Slice whose step is read from an input: a zero step is refused",
        model(
            "slice-step-input",
            [helper.make_node("Slice", ["x", "starts", "ends", "axes", "step"], ["y"])],
            [fp32("x", ["n"]), int64("step", [1])],
            [fp32("y", ["m"])],
            [const("starts", [0], np.int64), const("ends", [100], np.int64), const("axes", [0], np.int64)],
        ),
        {"x": np.arange(6, dtype=np.float32), "step": np.array([2], dtype=np.int64)},
    )
    yield (
        "range-delta-input",
        "Range with start, limit and delta from inputs: a zero delta is refused",
        model(
            "range-delta-input",
            [helper.make_node("Range", ["start", "limit", "delta"], ["y"])],
            [fp32("start", []), fp32("limit", []), fp32("delta", [])],
            [fp32("y", ["m"])],
        ),
        {"start": np.array(1, dtype=np.float32), "limit": np.array(4, dtype=np.float32), "delta": np.array(0.5, dtype=np.float32)},
    )
    yield (
        "reshape-shape-input",
        "Reshape to a shape read from an input: [0, 0] does not fit 6 elements",
        model("reshape-shape-input", [helper.make_node("Reshape", ["x", "shape"], ["y"])], [fp32("x", [6]), int64("shape", [2])], [fp32("y", ["a", "b"])]),
        {"x": np.arange(6, dtype=np.float32), "shape": np.array([3, 2], dtype=np.int64)},
    )
    yield (
        "constant",
        "No inputs at all: a request has an empty inputs list",
        model("constant", [helper.make_node("Constant", [], ["y"], value=const("value", [1.5, 2.5, 3.5], np.float32))], [], [fp32("y", [3])]),
        {},
    )


def v2(name: str, array: np.ndarray) -> dict:
    return {"name": name, "datatype": V2[array.dtype], "shape": list(array.shape), "data": array.reshape(-1).tolist()}


def zeros_fail(path: str, proto: onnx.ModelProto) -> bool:
    """Whether a run on zeros with every dynamic dimension 1 fails (today's warm-up)."""
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = np.zeros(shape, dtype=np.float32 if i.type == "tensor(float)" else np.int64)
    try:
        session.run(None, feeds)
    except Exception:
        return True
    return False


def main() -> None:
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "models"))
    os.makedirs(out, exist_ok=True)
    for name, why, proto, request in cases():
        path = os.path.join(out, f"{name}.onnx")
        with open(path, "wb") as f:
            f.write(proto.SerializeToString(deterministic=True))
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        results = session.run(None, request)
        if name != "constant" and not zeros_fail(path, proto):
            raise SystemExit(f"{name}: a run on zeros succeeds, so the model proves nothing about warm-up")
        outputs = [v2(o.name, np.asarray(r)) for o, r in zip(session.get_outputs(), results)]
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump({"why": why, "request": {"inputs": [v2(k, v) for k, v in request.items()]}, "outputs": outputs}, f)
            f.write("\n")
        print(f"{name}: {why}")


if __name__ == "__main__":
    main()
