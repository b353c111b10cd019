"""Drives the runtime's gRPC port with the standard Python clients, unmodified:
Triton's tritonclient.grpc and KServe's InferenceGRPCClient. For each example
model it sends the reference inputs as raw (binary) contents in one multi-row
request, asks for a subset of outputs, and compares with the reference
outputs; it also checks health, metadata and a NOT_FOUND error. Prints one
JSON line of results; exits non-zero on the first mismatch.

Both packages register the same protobuf package (`inference`) in the
process-wide descriptor pool, so one process imports only one of them.

Usage: grpc-clients.py triton|kserve <host:port> <model name> <reference.json>
"""
import asyncio
import json
import sys
from importlib import metadata

import grpc
import numpy as np

NUMPY = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32, "BOOL": np.bool_}


def reference(path):
    with open(path) as f:
        ref = json.load(f)
    inputs = [(i["name"], i["datatype"], np.array(i["data"], dtype=NUMPY[i["datatype"]]).reshape(i["shape"])) for i in ref["inputs"]]
    outputs = {o["name"]: np.array(o["data"], dtype=NUMPY[o["datatype"]]).reshape(o["shape"]) for o in ref["outputs"]}
    return inputs, outputs


def check(client, model, name, got, want):
    if got is None:
        raise AssertionError(f"{client} {model}: output {name} missing")
    if got.shape != want.shape or got.dtype != want.dtype:
        raise AssertionError(f"{client} {model}: {name} is {got.dtype}{list(got.shape)}, reference {want.dtype}{list(want.shape)}")
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        raise AssertionError(f"{client} {model}: {name} differs from the reference: {got.ravel()[:8]} vs {want.ravel()[:8]}")


def run_triton(url, models):
    import tritonclient.grpc as triton
    from tritonclient.utils import InferenceServerException

    client = triton.InferenceServerClient(url)
    assert client.is_server_live() and client.is_server_ready(), "triton: server not live/ready"
    results = {}
    for model, (inputs, outputs) in models.items():
        assert client.is_model_ready(model), f"triton: {model} not ready"
        meta = client.get_model_metadata(model, as_json=True)
        assert meta["name"] == model and [i["name"] for i in meta["inputs"]] == [i[0] for i in inputs], meta
        rows = inputs[0][2].shape[0]
        wanted = sorted(outputs)[-1:]  # a requested subset: one output
        tensors = []
        for name, datatype, array in inputs:
            t = triton.InferInput(name, list(array.shape), datatype)
            t.set_data_from_numpy(array)  # raw_input_contents: tritonclient.grpc sends binary
            tensors.append(t)
        response = client.infer(model, tensors, outputs=[triton.InferRequestedOutput(n) for n in wanted], request_id="triton-1")
        got = response.get_response()
        assert [o.name for o in got.outputs] == wanted, f"triton {model}: outputs {[o.name for o in got.outputs]}, asked {wanted}"
        assert got.id == "triton-1" and len(got.raw_output_contents) == len(wanted)
        for n in wanted:
            check("triton", model, n, response.as_numpy(n), outputs[n])
        # Every output when none is asked for.
        full = client.infer(model, tensors)
        for n, want in outputs.items():
            check("triton", model, n, full.as_numpy(n), want)
        results[model] = {"rows": rows, "outputs": sorted(outputs)}
    try:
        client.infer("no-such-model", tensors)
        raise AssertionError("triton: unknown model answered")
    except InferenceServerException as e:
        assert e.status() == "StatusCode.NOT_FOUND", e.status()
        results["unknown_model"] = e.status()
    client.close()
    return results


async def run_kserve(url, models):
    from kserve import InferenceGRPCClient, InferInput, InferRequest
    from kserve.protocol.infer_type import RequestedOutput

    client = InferenceGRPCClient(url, timeout=30)
    assert await client.is_server_live() and await client.is_server_ready(), "kserve: server not live/ready"
    results = {}
    for model, (inputs, outputs) in models.items():
        assert await client.is_model_ready(model), f"kserve: {model} not ready"
        wanted = sorted(outputs)[-1:]
        tensors = []
        for name, datatype, array in inputs:
            t = InferInput(name, list(array.shape), datatype)
            t.set_data_from_numpy(array, binary_data=True)  # raw_input_contents
            tensors.append(t)
        request = InferRequest(model_name=model, infer_inputs=tensors, request_id="kserve-1", request_outputs=[RequestedOutput(n) for n in wanted])
        response = await client.infer(request)
        assert [o.name for o in response.outputs] == wanted, f"kserve {model}: outputs {[o.name for o in response.outputs]}, asked {wanted}"
        for o in response.outputs:
            check("kserve", model, o.name, o.as_numpy(), outputs[o.name])
        # Typed contents this time (fp32_contents ...): kserve sends a list when not binary.
        listed = []
        for name, datatype, array in inputs:
            t = InferInput(name, list(array.shape), datatype)
            t.set_data_from_numpy(array, binary_data=False)
            listed.append(t)
        full = await client.infer(InferRequest(model_name=model, infer_inputs=listed))
        got = {o.name: o.as_numpy() for o in full.outputs}
        for n, want in outputs.items():
            check("kserve", model, n, got.get(n), want)
        results[model] = {"rows": inputs[0][2].shape[0], "outputs": sorted(got)}
    try:
        await client.infer(InferRequest(model_name="no-such-model", infer_inputs=tensors))
        raise AssertionError("kserve: unknown model answered")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e.code()
        results["unknown_model"] = str(e.code())
    await client.close()
    return results


def main():
    which, url, model, path = sys.argv[1:5]
    models = {model: reference(path)}
    results = run_triton(url, models) if which == "triton" else asyncio.run(run_kserve(url, models))
    package = "tritonclient" if which == "triton" else "kserve"
    print(json.dumps({"client": which, "version": metadata.version(package), "grpcio": metadata.version("grpcio"), "results": results}, default=str))


if __name__ == "__main__":
    main()
