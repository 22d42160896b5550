/** The provider's sign-in page: a plain form, no script, so any browser (and a test) can drive it. */
export function loginPage(options: { action: string; clientName: string; error?: string }): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - flowstack identity</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}p.error{color:#b00020}</style>
</head>
<body>
<h1>flowstack identity</h1>
<p>Sign in to continue to <strong>${escape(options.clientName)}</strong>.</p>
${options.error ? `<p class="error" role="alert">${escape(options.error)}</p>` : ''}
<form method="post" action="${escape(options.action)}" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button id="sign-in" type="submit">Sign in</button>
</form>
</body>
</html>`;
}
