// panva's oidc-provider (OpenID Certified) with its default settings, for the social sign-in tests.
// Environment: PORT; CLIENTS, a JSON list of client metadata; ACCOUNTS, a JSON file of
// {accountId: {claims}} read at every sign-in (people are added while it runs); ID_TOKEN_CLAIMS=true puts
// the claims in the id_token as well (conformIdTokenClaims: false). The built-in development interactions
// sign in anyone by name. An account whose claims hold `userinfo_sub` gets that `sub` from userinfo:
// a provider that answers about someone else.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = () => JSON.parse(readFileSync(process.env.ACCOUNTS, 'utf8'));

const provider = new Provider(issuer, {
  clients: JSON.parse(process.env.CLIENTS),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  conformIdTokenClaims: process.env.ID_TOKEN_CLAIMS !== 'true',
  async findAccount(ctx, id) {
    const { userinfo_sub: ignored, ...claims } = accounts()[id] ?? {};
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/me' && ctx.body && typeof ctx.body === 'object') {
    const other = accounts()[ctx.body.sub]?.userinfo_sub;
    if (other) ctx.body = { ...ctx.body, sub: other };
  }
});

provider.listen(port, '127.0.0.1', () => console.log(`listening on ${issuer}`));
