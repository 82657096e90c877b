import type * as ort from 'onnxruntime-node';

/** A session whose run records the batch size of every call. */
export function counting(session: ort.InferenceSession): { session: ort.InferenceSession; batches: number[] } {
  const batches: number[] = [];
  const run = session.run.bind(session);
  const wrapped = Object.create(session) as ort.InferenceSession;
  wrapped.run = ((feeds: Record<string, ort.Tensor>) => {
    batches.push(Object.values(feeds)[0].dims[0]);
    return run(feeds);
  }) as typeof session.run;
  return { session: wrapped, batches };
}
