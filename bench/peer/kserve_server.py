"""KServe's Python ModelServer serving one ONNX model with Python onnxruntime: the peer of
`make bench-peer` (bench/peer/main.ts). A custom kserve.Model, as KServe's documentation has
users write one for a framework without a built-in server: the Open Inference Protocol over
REST (JSON and the binary tensor data extension) and gRPC comes from KServe itself. The
onnxruntime session gets the same thread settings as the runtime under test (one intra-op and
one inter-op thread, sequential execution), so the comparison measures the servers.

    python kserve_server.py --model_name iris --model_path iris.onnx --http_port P --grpc_port G
"""

import argparse
import logging

import kserve
import onnxruntime as ort
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer
from kserve.utils.utils import generate_uuid


class OnnxModel(Model):
    def __init__(self, name: str, path: str, intra_op_threads: int):
        super().__init__(name)
        self.path = path
        self.intra_op_threads = intra_op_threads
        self.session = None

    def load(self) -> bool:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.intra_op_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])
        self.ready = True
        return self.ready

    def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        feeds = {i.name: i.as_numpy() for i in payload.inputs}
        names = [o.name for o in self.session.get_outputs()]
        results = self.session.run(names, feeds)
        binary = payload.use_binary_outputs
        outputs = []
        for name, value in zip(names, results):
            output = InferOutput(name=name, shape=list(value.shape), datatype=datatype_of(value))
            output.set_data_from_numpy(value, binary_data=binary)
            outputs.append(output)
        return InferResponse(
            response_id=payload.id or generate_uuid(), model_name=self.name, infer_outputs=outputs, use_binary_outputs=binary
        )


def datatype_of(value) -> str:
    return {"float32": "FP32", "float64": "FP64", "int64": "INT64", "int32": "INT32", "bool": "BOOL"}[str(value.dtype)]


if __name__ == "__main__":
    # KServe's own server flags (--http_port, --grpc_port, --workers, ...) plus ours.
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    parser.add_argument("--model_path", required=True)
    parser.add_argument("--intra_op_threads", type=int, default=1)
    args, _ = parser.parse_known_args()
    model = OnnxModel(args.model_name, args.model_path, args.intra_op_threads)
    model.load()
    server = ModelServer()
    # As the runtime under test runs with --access-log false: no line per request. ModelServer()
    # configured logging just now, so the levels are set after it.
    for name in ("uvicorn.access", "kserve.trace"):
        logging.getLogger(name).setLevel(logging.WARNING)
    server.start([model])
