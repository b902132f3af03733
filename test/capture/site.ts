/**
 * A small real web app for capture tests: a login form (email + password), an HttpOnly session cookie,
 * a readable `cr00` cookie whose md5 the page's script sends as the `csrftoken` header (as Binance's web
 * app does), private JSON endpoints with the `{code,message,data,total,success}` envelope and POST
 * page/rows bodies, a redirect, and a third-party host on another port/name for the skip list.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The three-step guide of the test site (login, Earn, P2P), as the capture tests walk it. */
export const SITE_GUIDE = `name: test-site
title: Test site
steps:
  - { id: login, title: Log in, do: Log in., url: /login }
  - { id: earn, title: Earn, do: Look at Earn., url: /earn }
  - { id: p2p, title: P2P, do: Look at P2P orders., url: /p2p/orders }
`;

export interface TestSite {
  url: string;
  user: string;
  password: string;
  /** Session tokens issued so far (what the sandbox's /__sandbox/sessions lists). */
  sessions: string[];
  csrfCookies: string[];
  requests: string[];
  close(): Promise<void>;
}

const page = (
  title: string,
  script: string,
): string => `<!doctype html><html><head><title>${title}</title></head>
<body><h1>${title}</h1><div id="out"></div><script>
function cookie(n){const m=document.cookie.match(new RegExp('(?:^|; )'+n+'=([^;]*)'));return m?m[1]:'';}
${script}
</script></body></html>`;

// The page computes md5 itself (RFC 1321, compact), as Binance's web app derives csrftoken from a cookie.
const MD5_JS = `function md5(s){function r(n,c){return(n<<c)|(n>>>(32-c))}function t(q,a,b,x,s,t){a=(a+q+x+t)|0;return(r(a,s)+b)|0}
function ff(a,b,c,d,x,s,T){return t((b&c)|(~b&d),a,b,x,s,T)}function gg(a,b,c,d,x,s,T){return t((b&d)|(c&~d),a,b,x,s,T)}
function hh(a,b,c,d,x,s,T){return t(b^c^d,a,b,x,s,T)}function ii(a,b,c,d,x,s,T){return t(c^(b|~d),a,b,x,s,T)}
var u=unescape(encodeURIComponent(s)),n=u.length,w=[],i;for(i=0;i<n;i++)w[i>>2]|=u.charCodeAt(i)<<((i%4)*8);
w[n>>2]|=0x80<<((n%4)*8);var L=(((n+8)>>6)+1)*16;w[L-2]=n*8;for(i=0;i<L;i++)w[i]=w[i]|0;
var a=1732584193,b=-271733879,c=-1732584194,d=271733878,K=[],S=[7,12,17,22,5,9,14,20,4,11,16,23,6,10,15,21];
for(i=0;i<64;i++)K[i]=Math.floor(Math.abs(Math.sin(i+1))*4294967296)|0;
for(i=0;i<L;i+=16){var A=a,B=b,C=c,D=d,j,f,g,tmp;for(j=0;j<64;j++){if(j<16){f=(b&c)|(~b&d);g=j}else if(j<32){f=(d&b)|(~d&c);g=(5*j+1)%16}else if(j<48){f=b^c^d;g=(3*j+5)%16}else{f=c^(b|~d);g=(7*j)%16}
tmp=d;d=c;c=b;b=(b+r((a+f+K[j]+w[i+g])|0,S[(j>>4)*4+(j%4)]))|0;a=tmp}a=(a+A)|0;b=(b+B)|0;c=(c+C)|0;d=(d+D)|0}
function hex(x){var h='',k;for(k=0;k<4;k++)h+=('0'+((x>>>(k*8))&255).toString(16)).slice(-2);return h}return hex(a)+hex(b)+hex(c)+hex(d)}`;

const apiPage = (title: string, path: string): string =>
  page(
    title,
    `${MD5_JS}
async function load(p){const r=await fetch('${path}',{method:'POST',headers:{'content-type':'application/json','csrftoken':md5(cookie('cr00')),'clienttype':'web'},body:JSON.stringify({page:p,rows:2})});
const j=await r.json();document.getElementById('out').textContent+=JSON.stringify(j.data);return j;}
load(1).then(j=>{ if(j.total>2){ const b=document.createElement('button');b.textContent='Next';b.setAttribute('aria-label','Next page');let p=1;
b.onclick=async()=>{p++;const k=await load(p);if(p*2>=k.total)b.remove();};document.body.appendChild(b);} });`,
  );

export async function startTestSite(options: { thirdPartyUrl?: string } = {}): Promise<TestSite> {
  const user = 'holder@mail.example';
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const sessions: string[] = [];
  const csrfCookies: string[] = [];
  const requests: string[] = [];

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let s = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (s += d));
      req.on('end', () => resolve(s));
    });
  const cookies = (req: IncomingMessage): Record<string, string> =>
    Object.fromEntries(
      (req.headers.cookie ?? '')
        .split(/;\s*/)
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string | string[]> = {},
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const html = (res: ServerResponse, body: string, headers: Record<string, string | string[]> = {}): void => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
  const rows = Array.from({ length: 5 }, (_, i) => ({
    orderNumber: String(940708407462087195n + BigInt(i)),
    amount: `${i}.10000000`,
    asset: 'USDT',
    counterPartNickName: `Trader ${i}`,
  }));

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    const c = cookies(req);
    const authed = c['p20t'] !== undefined && sessions.includes(c['p20t']);
    if (url.pathname === '/' || url.pathname === '/login') {
      const extra = options.thirdPartyUrl ? `<img src="${options.thirdPartyUrl}/pixel.gif">` : '';
      html(
        res,
        page(
          'Login',
          `document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(`${extra}<form id="f"><input type="email" name="email"><input type="password" name="password"><button type="submit">Log in</button></form>`)});
document.getElementById('f').onsubmit=async(e)=>{e.preventDefault();const fd=new FormData(e.target);
const r=await fetch('/bapi/accounts/v1/public/login',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({email:fd.get('email'),password:fd.get('password')})});
const j=await r.json();if(j.success) location.href='/dashboard'; else document.getElementById('out').textContent='bad login';};`,
        ),
      );
      return;
    }
    if (url.pathname === '/bapi/accounts/v1/public/login' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}') as { email?: string; password?: string };
      if (body.email !== user || body.password !== password)
        return json(res, 401, { code: '001', message: 'bad login', data: null, success: false });
      const token = randomBytes(24).toString('hex');
      const csrf = randomBytes(16).toString('hex');
      sessions.push(token);
      csrfCookies.push(csrf);
      return json(
        res,
        200,
        {
          code: '000000',
          message: null,
          data: { token, refreshToken: randomBytes(20).toString('base64url'), user: { email: user } },
          success: true,
        },
        {
          'set-cookie': [
            `p20t=${token}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`,
            `cr00=${csrf}; Path=/; Max-Age=3600; SameSite=Lax`,
          ],
        },
      );
    }
    if (url.pathname === '/ws') {
      // A page that talks to a WebSocket server (port in the query) and shows the echo.
      const port = Number(url.searchParams.get('port'));
      html(
        res,
        page(
          'ws',
          `const ws=new WebSocket('ws://127.0.0.1:${port}/stream');ws.onopen=()=>ws.send(JSON.stringify({op:'sub',accessToken:'wsTok_0123456789abcdef0123'}));
ws.onmessage=(m)=>{document.getElementById('out').textContent=m.data;document.body.dataset.state='ready';ws.close();};`,
        ),
      );
      return;
    }
    if (url.pathname === '/sw-page') {
      // A page whose service worker fetches data itself once it is active, then tells the page.
      html(
        res,
        page(
          'sw',
          `navigator.serviceWorker.addEventListener('message',(m)=>{document.getElementById('out').textContent=m.data;document.body.dataset.state='ready';});
navigator.serviceWorker.register('/sw.js').then(()=>navigator.serviceWorker.ready).then((r)=>r.active.postMessage('go'));`,
        ),
      );
      return;
    }
    if (url.pathname === '/sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(`self.addEventListener('install',()=>self.skipWaiting());
self.addEventListener('activate',(e)=>e.waitUntil(self.clients.claim()));
self.addEventListener('message',(e)=>{e.waitUntil(fetch('/api/sw-sync?since=1',{method:'POST',headers:{'content-type':'application/json','x-sw-token':'swTok_abcdef0123456789abcd'},body:JSON.stringify({queue:[1,2]})})
.then((r)=>r.text()).then((t)=>e.source.postMessage(t)));});`);
      return;
    }
    if (url.pathname === '/api/sw-sync') {
      const body = await readBody(req);
      return json(res, 200, {
        synced: (JSON.parse(body || '{}') as { queue?: unknown[] }).queue?.length ?? 0,
      });
    }
    if (url.pathname === '/old-dashboard') {
      res.writeHead(302, { location: '/dashboard' });
      res.end();
      return;
    }
    if (url.pathname === '/dashboard' || url.pathname === '/earn' || url.pathname === '/p2p/orders') {
      if (!authed) {
        res.writeHead(302, { location: '/login' });
        res.end();
        return;
      }
      const api =
        url.pathname === '/p2p/orders'
          ? '/bapi/c2c/v1/private/c2c/order-match/order-list'
          : '/bapi/earn/v1/private/positions';
      html(res, apiPage(url.pathname.slice(1), api));
      return;
    }
    if (url.pathname.startsWith('/bapi/') && url.pathname.includes('/private/')) {
      const csrfOk =
        c['cr00'] !== undefined &&
        req.headers['csrftoken'] === createHash('md5').update(c['cr00']).digest('hex');
      if (!authed || !csrfOk)
        return json(res, 401, { code: '100001005', message: 'please log in', data: null, success: false });
      const body = JSON.parse((await readBody(req)) || '{}') as { page?: number; rows?: number };
      const p = body.page ?? 1;
      const n = body.rows ?? 2;
      // Raw text: the 19-digit order numbers are JSON numbers beyond 2^53, as Binance sends them.
      const data = rows
        .slice((p - 1) * n, p * n)
        .map(
          (r) =>
            `{"orderNumber":${r.orderNumber},"amount":"${r.amount}","asset":"${r.asset}","counterPartNickName":"${r.counterPartNickName}"}`,
        );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `{"code":"000000","message":null,"data":[${data.join(',')}],"total":${rows.length},"success":true}`,
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    user,
    password,
    sessions,
    csrfCookies,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A "third-party" host (analytics pixel) that must not be recorded. */
export async function startThirdParty(): Promise<{
  url: string;
  hits: () => number;
  close(): Promise<void>;
}> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'image/gif' });
    res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // localhost vs 127.0.0.1: a different host name, so the site filter treats it as third party.
  return {
    url: `http://localhost:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
