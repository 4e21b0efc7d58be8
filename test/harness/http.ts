/** Reading test responses whose bodies may or may not be JSON (errors from proxies, fuzzed inputs). */

/** The body as text, and parsed as JSON when it is JSON (undefined otherwise). */
export async function readBody(res: Response): Promise<{ text: string; json: any }> {
  const text = await res.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}
