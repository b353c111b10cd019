// Which file to load when --model-path names a directory, as a storageUri
// prefix does once fetched (KServe's ONNX sample is such a prefix): the
// directory's `model.onnx`, else its only `*.onnx`. Anything else is an error
// that says what was found, so the pod's failure reason is actionable.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export class ModelFileError extends Error {}

/** Pure choice among a directory's file names; undefined means ambiguous or none (see describe). */
export function chooseModelFile(names: readonly string[]): string | undefined {
  if (names.includes('model.onnx')) return 'model.onnx';
  const onnx = names.filter((n) => n.endsWith('.onnx'));
  return onnx.length === 1 ? onnx[0] : undefined;
}

export async function resolveModelFile(modelPath: string): Promise<string> {
  const info = await stat(modelPath).catch(() => undefined);
  if (info === undefined) throw new ModelFileError(`${modelPath}: no such file or directory`);
  if (!info.isDirectory()) return modelPath;
  const entries = await readdir(modelPath, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  const chosen = chooseModelFile(files);
  if (chosen !== undefined) return path.join(modelPath, chosen);
  const onnx = files.filter((n) => n.endsWith('.onnx'));
  const shown = (list: string[]) => list.slice(0, 10).join(', ') + (list.length > 10 ? `, ... (${list.length} in all)` : '');
  throw new ModelFileError(
    onnx.length > 1
      ? `${modelPath}: several .onnx files (${shown(onnx)}) and no model.onnx; name one in storageUri or rename it model.onnx`
      : `${modelPath}: no model.onnx or other .onnx file in the directory${files.length > 0 ? ` (found ${shown(files)})` : ' (it is empty)'}`,
  );
}
