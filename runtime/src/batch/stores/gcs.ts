// Google Cloud Storage as batch input and output, through the client the
// model fetch builds (runtime/src/storage/gcs.ts: Application Default
// Credentials, tokens, the endpoint rules). Outputs are resumable uploads,
// which create the object only when the upload is finished.
import type { Readable, Writable } from 'node:stream';
import type { Storage } from '@google-cloud/storage';
import type { FileSize } from '../plan.ts';
import { isDataName, type InputStore, type OutputStore, type Sink } from './store.ts';

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

export function gcsInput(storage: Storage, bucketName: string, prefix: string): InputStore {
  const bucket = storage.bucket(bucketName);
  let base = prefix;
  return {
    async list() {
      const dir = prefix === '' ? '' : `${prefix}/`;
      const files: FileSize[] = [];
      let query: object | undefined = { autoPaginate: false, maxResults: 1000, ...(dir ? { prefix: dir } : {}) };
      for (let page = 0; query; page++) {
        if (page >= 100_000) throw new Error(`gs://${bucketName}/${prefix}: listing did not end after 100,000 pages`);
        const [found, next]: [{ name: string; metadata: { size?: string | number } }[], object | undefined] = (await bucket.getFiles(query)) as never;
        for (const f of found) if (!f.name.endsWith('/') && isDataName(f.name.slice(dir.length))) files.push({ name: f.name, size: Number(f.metadata.size ?? 0) });
        query = next;
      }
      if (files.length === 0 && prefix !== '') {
        const [exists] = await bucket.file(prefix).exists();
        if (exists) {
          const [meta] = await bucket.file(prefix).getMetadata();
          base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
          return [{ name: prefix, size: Number(meta.size ?? 0) }];
        }
      }
      return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async read(file, start, end) {
      if (end <= start) return new Uint8Array(0);
      const [bytes] = await bucket.file(file).download({ start, end: end - 1 });
      return bytes;
    },
    async stream(file, start): Promise<Readable> {
      return bucket.file(file).createReadStream(start > 0 ? { start } : {});
    },
    describe(file) {
      return base === '' ? file : file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
    },
  };
}

function writeChunk(stream: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(Buffer.from(chunk), (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

export function gcsOutput(storage: Storage, bucketName: string, prefix: string): OutputStore {
  const bucket = storage.bucket(bucketName);
  return {
    async readText(name) {
      const file = bucket.file(join(prefix, name));
      const [exists] = await file.exists();
      if (!exists) return undefined;
      const [bytes] = await file.download();
      return bytes.toString('utf8');
    },
    async put(name, body) {
      await bucket.file(join(prefix, name)).save(body, { resumable: false, contentType: 'application/json' });
    },
    async sink(name) {
      const stream = bucket.file(join(prefix, name)).createWriteStream({ resumable: true });
      let failure: Error | undefined;
      stream.on('error', (error) => {
        failure = error;
      });
      return {
        async write(chunk) {
          if (failure) throw failure;
          await writeChunk(stream, chunk);
        },
        commit: () =>
          new Promise<void>((resolve, reject) => {
            if (failure) return reject(failure);
            stream.once('error', reject);
            stream.once('finish', () => resolve());
            stream.end();
          }),
        async abort() {
          stream.destroy(new Error('aborted'));
        },
      };
    },
    describe(name) {
      return `gs://${bucketName}/${join(prefix, name)}`;
    },
  };
}
