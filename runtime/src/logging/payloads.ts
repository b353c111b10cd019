// The JSON bodies of logged events when the wire carried binary tensors:
// the same v2 request or response, with every tensor's data as a JSON array
// (the binary extension decoded), so sinks never see raw bytes. Pure.
import type { InferRequest, Tensor } from '../protocol/types.ts';
import { encodeInferResponse, encodeJsonData } from '../protocol/v2-json.ts';

/** Response header carrying the id of a request whose body named none. */
export const REQUEST_ID_HEADER = 'x-request-id';

export function requestJson(request: InferRequest): string {
  let text = '{';
  if (request.id !== undefined) text += `"id":${JSON.stringify(request.id)},`;
  text += '"inputs":[';
  request.inputs.forEach((t, i) => {
    text += `${i > 0 ? ',' : ''}{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(',')}],"data":${encodeJsonData(t.datatype, t.data)}}`;
  });
  text += '],"outputs":[';
  request.outputs.forEach((o, i) => {
    text += `${i > 0 ? ',' : ''}{"name":${JSON.stringify(o.name)}}`;
  });
  return `${text}]}`;
}

export function responseJson(modelName: string, modelVersion: string | undefined, id: string | undefined, outputs: readonly Tensor[]): string {
  return encodeInferResponse(modelName, modelVersion, id, outputs.map((tensor) => ({ tensor, binary: undefined })));
}
