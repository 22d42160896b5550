/**
 * A person's trip through the OIDC provider without a browser: follow redirects with a cookie
 * jar, post the sign-in form, stop at the redirect back to the client. The browser test drives
 * the same pages with Chromium; this keeps the contract suite free of one.
 */
export async function signInAtProvider(options: {
  authUrl: string;
  /** Where the provider sends the person back (the CLI listener's callback). */
  redirectPrefix: string;
  username: string;
  password: string;
}): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
  };
  let url = new URL(options.authUrl);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.href.startsWith(options.redirectPrefix)) return url;
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    remember(res);
    init = {};
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) {
      throw new Error(`sign-in stopped at ${url.pathname} with ${res.status}`);
    }
    url = new URL(action.replaceAll('&amp;', '&'), url);
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: options.username, password: options.password }),
    };
  }
  throw new Error('too many redirects at the provider');
}
