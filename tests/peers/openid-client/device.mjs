// panva's openid-client (OpenID Certified) as a device: the device authorization grant (RFC 8628) against
// the service, with openid-client's own API and checks (discovery; the id_token's alg (RS256 unless the
// client says otherwise), iss, aud, exp, iat; its signature from the JWKS: by default openid-client trusts
// TLS for an id_token from the token endpoint, enableNonRepudiationChecks makes it verify it; userinfo's sub
// against the id_token's).
// Environment: ISSUER (plain http on loopback: allowInsecureRequests, and nothing else relaxed), CLIENT_ID
// (a public client: no client authentication), SCOPE.
// Prints JSON lines on stdout: {user_code, verification_uri, verification_uri_complete, expires_in, interval}
// once the codes are issued; then {tokens, claims, userinfo} when it signs in, or {error, error_description}
// when the grant is refused (and exits 0 in both cases: the test judges). Anything else exits 1.
import * as client from 'openid-client';

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const config = await client.discovery(
  new URL(process.env.ISSUER),
  process.env.CLIENT_ID,
  undefined,
  client.None(),
  { execute: [client.allowInsecureRequests] },
);
client.enableNonRepudiationChecks(config);
const started = await client.initiateDeviceAuthorization(config, { scope: process.env.SCOPE });
const { device_code: secret, ...shown } = started;
print(shown);

let tokens;
try {
  tokens = await client.pollDeviceAuthorizationGrant(config, started);
} catch (error) {
  if (!(error instanceof client.ResponseBodyError)) throw error;
  print({ error: error.error, error_description: error.error_description });
  process.exit(0);
}
const claims = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
print({ tokens: { ...tokens }, claims, userinfo });
