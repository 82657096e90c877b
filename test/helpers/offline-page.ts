import type { Browser, Page } from 'playwright-core';

/**
 * A new page that may talk only to `base`: console errors, page errors and every request for another origin (which
 * is refused) are pushed to `problems`, which a test expects to stay empty. The review page must work with no network
 * beyond its own server.
 */
export async function offlinePage(browser: Browser, base: string, problems: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.route('**/*', (route) =>
    route.request().url().startsWith(base)
      ? route.continue()
      : (problems.push(`left the server: ${route.request().url()}`), route.abort()),
  );
  return page;
}
