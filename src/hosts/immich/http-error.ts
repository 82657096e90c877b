/**
 * Immich's reason for refusing a request, from the body oazapfts put on its HttpError as `data`. That body arrives in
 * whatever form the SDK call read it: `fetchJson` calls parse JSON into an object, but `fetchText` calls (createFace,
 * deletePerson …) leave the JSON as a string and `fetchBlob` calls (viewAsset) leave it in a Blob. The SDK's type
 * (`ApiExceptionResponse`) claims an object always; reading `.message` off the other two printed an empty reason.
 */

/** Longest reason kept from a body that is not Immich's JSON (a proxy's error page, say). */
const MAX_TEXT = 200;

/** NestJS's `message` is a string, or a string array (class-validator's list of problems). */
function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error } = body as { message?: unknown; error?: unknown };
  if (typeof message === 'string' && message.trim() !== '') return message.trim();
  if (Array.isArray(message)) {
    const parts = message.filter((m): m is string => typeof m === 'string' && m.trim() !== '').map((m) => m.trim());
    if (parts.length > 0) return parts.join('; ');
  }
  return typeof error === 'string' && error.trim() !== '' ? error.trim() : undefined;
}

/** Plain text or an HTML page: its title, else its first characters, on one line. */
function textReason(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain.length > MAX_TEXT ? `${plain.slice(0, MAX_TEXT)}…` : plain;
}

function fromText(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const message = messageOf(parsed);
    if (message !== undefined) return message;
  } catch {
    // not JSON: the text itself is the reason
  }
  return textReason(text);
}

/** Immich's message for a failed call (arrays joined with "; "), or '' when the body says nothing. */
export async function httpErrorReason(data: unknown): Promise<string> {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string') return fromText(data);
  if (data instanceof Blob) {
    try {
      return fromText(await data.text());
    } catch {
      return '';
    }
  }
  return messageOf(data) ?? '';
}
