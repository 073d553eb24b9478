// A certified OpenID provider (the `oidc-provider` package) on loopback, for single sign-on
// tests: node oidc-provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Prints `issuer http://127.0.0.1:PORT` once it listens. Its development sign-in form takes
// any user name with any password; each account's `groups` claim is its name's group:
// olga → skopos-admins, dan → skopos-devs, anyone else → none.
import http from "node:http";
import Provider from "oidc-provider";

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
const groups = { olga: ["skopos-admins"], dan: ["skopos-devs"] };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"] }],
  pkce: { required: () => true },
  // The groups claim in the ID token itself (the agent reads the verified ID token).
  conformIdTokenClaims: false,
  claims: { openid: ["sub"], profile: ["preferred_username", "name"], email: ["email"], groups: ["groups"] },
  scopes: ["openid", "profile", "email", "groups"],
  async findAccount(_, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, email: `${id}@example.test`, groups: groups[id] ?? [] };
      },
    };
  },
  // Grant what the client asks for without a consent screen (the test's client is first-party).
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email groups");
    grant.addOIDCClaims(["preferred_username", "name", "email", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
server.on("request", provider.callback());
console.log(`issuer ${issuer}`);
