export async function detectCommand(_args: readonly string[]): Promise<number> {
  return 2;
}
