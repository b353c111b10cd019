"""Regenerates the example ONNX models and their KServe v2 reference files.

Run it through `make models` (which builds a venv with the versions pinned in
requirements.txt); the output is byte-identical from run to run because every
random choice is seeded, BLAS runs single-threaded, and the ONNX files carry
no timestamps. Everything is trained on data that ships inside scikit-learn
(iris, digits), so no network is needed beyond installing the packages.

Usage: generate.py [OUT_DIR]   (default: the folder this script lives in)
       generate.py datasets OUT_DIR [--rows N] [--kinds iris,mnist]
         writes iris.parquet and mnist.parquet of N rows (default 1,000,000)
         for batch scoring tests and benchmarks; never committed (see write_datasets)
"""

import os

# Multi-threaded BLAS may sum in a different order from run to run, which
# would change the trained weights in the last bits and break byte-identity.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import csv
import json
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_digits, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

# Opset 17 / IR 8 is old enough for every onnxruntime the project uses
# (onnxruntime-node 1.30 in the runtime, onnxruntime here for checking) and
# has every operator these models need.
OPSET = 17
ML_OPSET = 3
IR_VERSION = 8
SEED = 0
PRODUCER = "modelship-examples"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "datasets":
        datasets_main(sys.argv[2:])
        return
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__))
    os.makedirs(os.path.join(out, "dtypes"), exist_ok=True)

    iris = load_iris()
    x_iris = iris.data.astype(np.float32)
    y_iris = iris.target.astype(np.int64)
    # A few rows from each class plus one outside the training range: enough
    # to pin the outputs without bloating the reference file.
    iris_rows = np.vstack([x_iris[[0, 1, 50, 51, 100, 101]], [[7.9, 4.4, 6.9, 2.5]]]).astype(np.float32)

    write_iris(out, "iris", LogisticRegression(max_iter=1000, random_state=SEED), x_iris, y_iris, iris_rows)
    write_iris(
        out,
        "iris-v2",
        RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED),
        x_iris,
        y_iris,
        iris_rows,
    )
    x_mnist_train = write_mnist(out)
    write_dtypes(out)
    write_drift_reference(out)
    write_profiles(out, iris.feature_names, x_iris, x_mnist_train)


# ---------------------------------------------------------------- iris


def write_iris(out: str, name: str, classifier, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> None:
    """A StandardScaler + classifier pipeline, so preprocessing ships in the model."""
    pipe = Pipeline([("scaler", StandardScaler()), ("classifier", classifier)])
    pipe.fit(x, y)
    model = to_onnx(
        pipe,
        initial_types=[("input", FloatTensorType([None, 4]))],
        # ZipMap would turn probabilities into a sequence of maps, which the
        # v2 protocol cannot express; a plain [N, 3] tensor can.
        options={id(classifier): {"zipmap": False}},
        target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
    )
    rename_outputs(model, {"output_label": "label", "output_probability": "probabilities"})
    finish(model, f"Iris {type(classifier).__name__} with StandardScaler (scikit-learn pipeline)")
    path = save(model, out, f"{name}.onnx")

    label, probabilities = run(path, {"input": rows})
    check_signature(path, {"input": [-1, 4]}, {"label": [-1], "probabilities": [-1, 3]})
    accuracy = float((pipe.predict(x) == y).mean())
    if not np.array_equal(label, pipe.predict(rows)):
        raise SystemExit(f"{name}: onnxruntime labels differ from scikit-learn's")
    if not np.allclose(probabilities, pipe.predict_proba(rows), atol=1e-5):
        raise SystemExit(f"{name}: onnxruntime probabilities differ from scikit-learn's")
    write_reference(
        out,
        name,
        [v2_tensor("input", rows)],
        [v2_tensor("label", label), v2_tensor("probabilities", probabilities)],
    )
    print(f"{name}: training accuracy {accuracy:.3f}, {os.path.getsize(path)} bytes")


def rename_outputs(model: onnx.ModelProto, names: dict) -> None:
    for node in model.graph.node:
        node.output[:] = [names.get(o, o) for o in node.output]
    for output in model.graph.output:
        output.name = names.get(output.name, output.name)


# ---------------------------------------------------------------- MNIST-shaped MLP


def digits_as_mnist() -> tuple:
    """scikit-learn's 8x8 digits (0..16) made MNIST-shaped: each pixel becomes
    3x3 (24x24), padded by 2 to 28x28, scaled to [0, 1], flattened to 784."""
    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0
    big = np.kron(images, np.ones((3, 3), dtype=np.float32))
    big = np.pad(big, ((0, 0), (2, 2), (2, 2)))
    return big.reshape(len(big), 784).astype(np.float32), digits.target.astype(np.int64)


def write_mnist(out: str) -> None:
    x, y = digits_as_mnist()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)
    mlp = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=40, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(x_train, y_train)
    accuracy = float(mlp.score(x_test, y_test))

    # Built by hand rather than converted: a classifier converter would emit
    # label + probabilities, while a serving benchmark wants the raw logits of
    # a plain Gemm/Relu stack, like a network exported from a DL framework.
    weights = [w.astype(np.float32) for w in mlp.coefs_]
    biases = [b.astype(np.float32) for b in mlp.intercepts_]
    initializers, nodes = [], []
    current = "input"
    for i, (w, b) in enumerate(zip(weights, biases)):
        initializers += [numpy_helper.from_array(w, f"fc{i + 1}.weight"), numpy_helper.from_array(b, f"fc{i + 1}.bias")]
        last = i == len(weights) - 1
        gemm_out = "logits" if last else f"fc{i + 1}"
        nodes.append(helper.make_node("Gemm", [current, f"fc{i + 1}.weight", f"fc{i + 1}.bias"], [gemm_out], name=f"fc{i + 1}"))
        if not last:
            nodes.append(helper.make_node("Relu", [gemm_out], [f"relu{i + 1}"], name=f"relu{i + 1}"))
            current = f"relu{i + 1}"
    graph = helper.make_graph(
        nodes,
        "mnist_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 784])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    finish(model, "MLP 784-128-64-10 (ReLU) trained on scikit-learn digits upsampled to 28x28; outputs logits")
    onnx.checker.check_model(model)
    path = save(model, out, "mnist-mlp.onnx")

    rows = x_test[:4]
    (logits,) = run(path, {"input": rows})
    check_signature(path, {"input": [-1, 784]}, {"logits": [-1, 10]})
    # predict_proba is softmax(logits), so the arg-max must agree.
    if not np.array_equal(logits.argmax(axis=1), mlp.predict(rows)):
        raise SystemExit("mnist-mlp: onnxruntime arg-max differs from scikit-learn's prediction")
    write_reference(out, "mnist-mlp", [v2_tensor("input", rows)], [v2_tensor("logits", logits)])
    print(f"mnist-mlp: held-out accuracy {accuracy:.3f}, {os.path.getsize(path)} bytes")
    return x_train


# ---------------------------------------------------------------- datatype coverage

# v2 datatype -> (ONNX element type, numpy dtype, sample values covering the
# type's edges where JSON can carry them exactly).
DTYPES = {
    "BOOL": (TensorProto.BOOL, np.bool_, [True, False, True, True, False, False]),
    "UINT8": (TensorProto.UINT8, np.uint8, [0, 1, 127, 128, 254, 255]),
    "UINT16": (TensorProto.UINT16, np.uint16, [0, 1, 255, 256, 65534, 65535]),
    "UINT32": (TensorProto.UINT32, np.uint32, [0, 1, 65535, 65536, 4294967294, 4294967295]),
    # JSON numbers are doubles: 2**53 - 1 is the largest integer every client
    # round-trips exactly; the binary extension covers the rest.
    "UINT64": (TensorProto.UINT64, np.uint64, [0, 1, 4294967295, 4294967296, 9007199254740990, 9007199254740991]),
    "INT8": (TensorProto.INT8, np.int8, [-128, -1, 0, 1, 126, 127]),
    "INT16": (TensorProto.INT16, np.int16, [-32768, -1, 0, 1, 32766, 32767]),
    "INT32": (TensorProto.INT32, np.int32, [-2147483648, -1, 0, 1, 2147483646, 2147483647]),
    "INT64": (TensorProto.INT64, np.int64, [-9007199254740991, -4294967296, -1, 0, 4294967296, 9007199254740991]),
    "FP16": (TensorProto.FLOAT16, np.float16, [-65504.0, -1.5, 0.0, 0.5, 0.0999755859375, 65504.0]),
    "FP32": (TensorProto.FLOAT, np.float32, [-3.4028234663852886e38, -1.5, 0.0, 0.10000000149011612, 1e-45, 3.4028234663852886e38]),
    "FP64": (TensorProto.DOUBLE, np.float64, [-1.7976931348623157e308, -1.5, 0.0, 0.1, 5e-324, 1.7976931348623157e308]),
    "BYTES": (TensorProto.STRING, np.object_, ["", "a", "hello", "modelship", "ünïcødé", "two words"]),
}


def write_dtypes(out: str) -> None:
    """One Identity model per v2 datatype: whatever goes in must come out, so
    the runtime can prove each datatype end to end (JSON and binary)."""
    for datatype, (elem_type, np_type, values) in DTYPES.items():
        name = f"identity_{datatype.lower()}"
        graph = helper.make_graph(
            [helper.make_node("Identity", ["input"], ["output"], name="identity")],
            name,
            [helper.make_tensor_value_info("input", elem_type, ["batch", "n"])],
            [helper.make_tensor_value_info("output", elem_type, ["batch", "n"])],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        finish(model, f"Identity over {datatype} [batch, n], for datatype coverage tests")
        onnx.checker.check_model(model)
        path = save(model, out, os.path.join("dtypes", f"{name}.onnx"))

        rows = np.array(values, dtype=np_type).reshape(2, 3)
        (result,) = run(path, {"input": rows})
        if not np.array_equal(result, rows):
            raise SystemExit(f"{name}: onnxruntime did not return its input")
        write_reference(
            out,
            os.path.join("dtypes", name),
            [v2_tensor("input", rows, datatype)],
            [v2_tensor("output", result, datatype)],
        )
    print(f"dtypes: {len(DTYPES)} identity models")


# ---------------------------------------------------------------- training profiles

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_profiles(out: str, feature_names: list, x_iris: np.ndarray, x_mnist: np.ndarray) -> None:
    """Each model's training profile, built by the runtime's own CLI
    (`runtime profile`) from the data the model was trained on. The iris
    training data is committed (iris.train.csv, 150 rows) so a test can rebuild
    its profiles without Python; the digits data stays in a scratch file."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not on PATH: run this through `make models`, which puts the pinned Node first")
    columns = [n.replace(" (cm)", "").replace(" ", "_") for n in feature_names]
    iris_csv = os.path.join(out, "iris.train.csv")
    with open(iris_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[short_float(v) for v in row] for row in x_iris])

    def profile(model: str, data: str) -> None:
        target = os.path.join(out, f"{model}.profile.json")
        args = [node, os.path.join(REPO, "runtime/src/main.ts"), "profile", "--model", os.path.join(out, f"{model}.onnx"), "--data", data, "--out", target]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        print(f"{model}: profile {os.path.getsize(target)} bytes")

    profile("iris", iris_csv)
    profile("iris-v2", iris_csv)
    with tempfile.TemporaryDirectory() as scratch:
        npy = os.path.join(scratch, "mnist-mlp.train.npy")
        np.save(npy, np.ascontiguousarray(x_mnist, dtype=np.float32))
        profile("mnist-mlp", npy)


# ---------------------------------------------------------------- drift statistics (scipy reference)

# The runtime's drift statistics (runtime/src/drift/) are unit-tested against
# these values. Shares below this floor count as it in the PSI, as Evidently
# does, so an empty bin gives a large but finite term.
PSI_FLOOR = 1e-4


def bin_counts(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Bin i is [edges[i], edges[i+1]), the last one closed; the first and last
    bins are open-ended, so every value lands somewhere."""
    k = len(edges) - 1
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, k - 1)
    return np.bincount(index, minlength=k)


def drift_statistics(ref_counts: np.ndarray, live_counts: np.ndarray, ordered: bool) -> dict:
    from scipy.spatial.distance import jensenshannon
    from scipy.special import rel_entr
    from scipy.stats import ks_2samp

    if live_counts.sum() == 0:
        return {"psi": None, "jensenShannon": None, "ks": None}
    p = ref_counts / ref_counts.sum()
    q = live_counts / live_counts.sum()
    pf, qf = np.maximum(p, PSI_FLOOR), np.maximum(q, PSI_FLOOR)
    psi = float(rel_entr(qf, pf).sum() + rel_entr(pf, qf).sum())
    js = float(jensenshannon(p, q))
    ks = None
    if ordered:
        # The two-sample KS statistic of the data coarsened to the profile's bins
        # (each value replaced by its bin's index): max |CDF difference| at the edges.
        bins = np.arange(len(ref_counts))
        ks = float(ks_2samp(np.repeat(bins, ref_counts), np.repeat(bins, live_counts)).statistic)
    return {"psi": psi, "jensenShannon": js, "ks": ks}


def numeric_case(name: str, edges, ref_counts, live: np.ndarray, lo: float, hi: float) -> dict:
    edges = np.asarray(edges, dtype=np.float64)
    ref_counts = np.asarray(ref_counts, dtype=np.int64)
    live = np.asarray(live, dtype=np.float64)
    counts = bin_counts(edges, live) if len(live) else np.zeros(len(ref_counts), dtype=np.int64)
    outside = float(((live < lo) | (live > hi)).mean()) if len(live) else None
    return {
        "name": name,
        "kind": "numeric",
        "edges": edges.tolist(),
        "referenceCounts": ref_counts.tolist(),
        "min": lo,
        "max": hi,
        "live": live.tolist(),
        "expected": {"liveCounts": counts.tolist(), "outOfRangeShare": outside, **drift_statistics(ref_counts, counts, True)},
    }


def quantile_case(name: str, reference: np.ndarray, live: np.ndarray) -> dict:
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11)))
    return numeric_case(name, edges, bin_counts(edges, reference), live, float(reference.min()), float(reference.max()))


def write_drift_reference(out: str) -> None:
    import scipy

    rng = np.random.default_rng(SEED)
    reference = rng.normal(0.0, 1.0, 5000)
    same = rng.normal(0.0, 1.0, 1000)
    shifted = rng.normal(2.0, 1.0, 1000)
    cases = [
        quantile_case("same distribution", reference, same),
        quantile_case("shifted by two standard deviations", reference, shifted),
        quantile_case("empty window", reference, np.array([])),
        numeric_case("constant feature", [3.0, 3.0], [500], np.array([3.0] * 90 + [4.0] * 5 + [2.5] * 5), 3.0, 3.0),
        numeric_case("single bin", [0.0, 1.0], [100], rng.uniform(-0.5, 1.5, 200), 0.0, 1.0),
        numeric_case("live mass in an empty training bin", [0.0, 1.0, 2.0, 3.0], [50, 0, 50], np.array([1.5] * 30 + [0.5] * 10), 0.0, 3.0),
    ]
    ref_categories = {"a": 50, "b": 30, "c": 20}
    for name, live in [("categorical with unseen values", ["a"] * 10 + ["b"] * 10 + ["d"] * 25 + ["e"] * 5), ("categorical empty window", [])]:
        keys = list(ref_categories)
        ref_counts = np.array([ref_categories[k] for k in keys] + [0])
        counts = np.array([live.count(k) for k in keys] + [sum(v not in ref_categories for v in live)])
        stats = drift_statistics(ref_counts, counts, False)
        unseen = float(counts[-1] / len(live)) if live else None
        cases.append({
            "name": name,
            "kind": "categorical",
            "categories": ref_categories,
            "live": live,
            "expected": {"unseenShare": unseen, "psi": stats["psi"], "jensenShannon": stats["jensenShannon"]},
        })
    # The profile's quantile bins (runtime/src/profile/build.ts) against numpy's,
    # on data with many ties so merged edges are exercised.
    tied = np.concatenate([rng.integers(0, 5, 200) / 4.0, rng.normal(0.5, 0.2, 100)])
    quantile_edges = np.unique(np.quantile(tied, np.linspace(0, 1, 11)))
    quantiles = {"values": tied.tolist(), "bins": 10, "edges": quantile_edges.tolist(), "counts": bin_counts(quantile_edges, tied).tolist()}
    path = os.path.join(out, "drift-statistics.scipy.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generatedBy": f"examples/models/generate.py with scipy {scipy.__version__}", "psiFloor": PSI_FLOOR, "cases": cases, "quantileBins": quantiles}, f, indent=1)
        f.write("\n")
    print(f"drift statistics: {len(cases)} scipy reference cases")


# ---------------------------------------------------------------- batch datasets


def datasets_main(args: list) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="generate.py datasets")
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kinds", default="iris,mnist")
    options = parser.parse_args(args)
    os.makedirs(options.out, exist_ok=True)
    for kind in options.kinds.split(","):
        path = os.path.join(options.out, f"{kind}.parquet")
        {"iris": write_iris_dataset, "mnist": write_mnist_dataset}[kind](path, options.rows)
        print(f"{path}: {options.rows} rows, {os.path.getsize(path)} bytes")


def write_iris_dataset(path: str, rows: int, group_rows: int = 65_536) -> None:
    """Iris-shaped rows for batch scoring: id, the four measurements as
    float32 columns (iris rows with seeded noise), the species as text.
    Row groups of 64k rows: the unit batch shards split a file by."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    iris = load_iris()
    x = iris.data.astype(np.float32)
    names = np.array(iris.target_names)[iris.target]
    rng = np.random.default_rng(SEED)
    schema = pa.schema(
        [("id", pa.int64())]
        + [(c, pa.float32()) for c in ("sepal_length", "sepal_width", "petal_length", "petal_width")]
        + [("species", pa.string())]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, group_rows):
            n = min(group_rows, rows - start)
            pick = rng.integers(0, len(x), n)
            values = (x[pick] + rng.normal(0, 0.1, (n, 4)).astype(np.float32)).round(2).astype(np.float32)
            columns = [pa.array(np.arange(start, start + n, dtype=np.int64))]
            columns += [pa.array(values[:, i]) for i in range(4)]
            columns += [pa.array(names[pick])]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema), row_group_size=group_rows)


def write_mnist_dataset(path: str, rows: int, group_rows: int = 8_192) -> None:
    """MNIST-shaped rows for the MLP: id, 784 pixel columns (pixel_0 ..
    pixel_783, float32 in [0, 1]: the upsampled digits, as the model was
    trained on), the true digit. One column per pixel rather than a list
    column: hyparquet decodes flat columns several times faster than lists.
    Row groups of 8k rows (25 MB of pixels) bound a reader's memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    x, y = digits_as_mnist()
    rng = np.random.default_rng(SEED)
    schema = pa.schema([("id", pa.int64())] + [(f"pixel_{i}", pa.float32()) for i in range(784)] + [("digit", pa.int64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, group_rows):
            n = min(group_rows, rows - start)
            pick = rng.integers(0, len(x), n)
            pixels = x[pick]
            columns = [pa.array(np.arange(start, start + n, dtype=np.int64))] + [pa.array(pixels[:, i]) for i in range(784)] + [pa.array(y[pick])]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema), row_group_size=group_rows)


# ---------------------------------------------------------------- helpers


def finish(model: onnx.ModelProto, doc: str) -> None:
    """Fixes every field that would otherwise vary by converter version or run."""
    model.ir_version = IR_VERSION
    model.producer_name = PRODUCER
    model.producer_version = "1"
    model.domain = "io.modelship.examples"
    model.model_version = 1
    model.doc_string = doc
    model.graph.doc_string = ""


def save(model: onnx.ModelProto, out: str, relative: str) -> str:
    path = os.path.join(out, relative)
    with open(path, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    return path


def session(path: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run(path: str, feeds: dict) -> list:
    return session(path).run(None, feeds)


def check_signature(path: str, inputs: dict, outputs: dict) -> None:
    """The runtime and operator examples rely on these names and shapes."""
    s = session(path)

    def dims(values):
        return {v.name: [d if isinstance(d, int) else -1 for d in v.shape] for v in values}

    got_in, got_out = dims(s.get_inputs()), dims(s.get_outputs())
    if got_in != inputs or got_out != outputs:
        raise SystemExit(f"{path}: signature {got_in} -> {got_out}, expected {inputs} -> {outputs}")


V2_DATATYPES = {
    np.dtype(np.bool_): "BOOL",
    np.dtype(np.uint8): "UINT8",
    np.dtype(np.uint16): "UINT16",
    np.dtype(np.uint32): "UINT32",
    np.dtype(np.uint64): "UINT64",
    np.dtype(np.int8): "INT8",
    np.dtype(np.int16): "INT16",
    np.dtype(np.int32): "INT32",
    np.dtype(np.int64): "INT64",
    np.dtype(np.float16): "FP16",
    np.dtype(np.float32): "FP32",
    np.dtype(np.float64): "FP64",
}


def v2_tensor(name: str, array: np.ndarray, datatype: str | None = None) -> dict:
    """A KServe v2 JSON tensor with flat row-major data."""
    array = np.asarray(array)
    datatype = datatype or V2_DATATYPES[array.dtype]
    flat = array.reshape(-1)
    if datatype == "BYTES":
        data = [v.decode() if isinstance(v, bytes) else str(v) for v in flat]
    elif datatype == "BOOL":
        data = [bool(v) for v in flat]
    elif datatype.startswith("FP"):
        data = [short_float(v) for v in flat]
    else:
        data = [int(v) for v in flat]
    return {"name": name, "datatype": datatype, "shape": list(array.shape), "data": data}


def short_float(v) -> float:
    """FP32 as the shortest decimal that narrows back to the same bits (5.1
    rather than 5.099999904632568), checked; FP16 and FP64 exactly, so even a
    float16 encoder that truncates instead of rounding reads the same value."""
    if v.dtype == np.float32:
        short = float(str(v))
        if np.float32(short) == v:
            return short
    return float(v)


def write_reference(out: str, name: str, inputs: list, outputs: list) -> None:
    path = os.path.join(out, f"{name}.reference.json")
    # One tensor per line: readable diffs without one number per line.
    def lines(tensors):
        return ",\n".join("  " + json.dumps(t, ensure_ascii=False) for t in tensors)

    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n "inputs": [\n' + lines(inputs) + '\n ],\n "outputs": [\n' + lines(outputs) + "\n ]\n}\n")


if __name__ == "__main__":
    main()
