import Foundation

/// An identity provider for the tests: Python's `cryptography` makes an RSA, a P-256 and an Ed25519 key, writes their
/// public JWKS into the workspace and signs one JWT per case (good ones and each kind of bad one).
struct TokenMinter {
    static let issuer = "https://idp.example/realms/mail"
    static let audience = "pop3d"

    let jwksPath: String
    let tokens: [String: String]

    /// pop3d's options for this provider.
    var serverOptions: [String] {
        ["--oauth-jwks-file", jwksPath, "--oauth-issuer", Self.issuer, "--oauth-audience", Self.audience]
    }

    func token(_ name: String) throws -> String {
        guard let token = tokens[name] else { throw IntegrationError("no token \(name)") }
        return token
    }

    /// Tokens for `user` (and `nobody`, a user that does not exist).
    static func make(in workspace: Workspace, user: String) async throws -> TokenMinter {
        let jwks = workspace.path("jwks.json")
        let result = try await PythonScript.run(
            script, named: "mint-tokens.py", arguments: [jwks, issuer, audience, user], in: workspace, timeout: 60)
        let tokens = try PythonScript.decode([String: String].self, from: result)
        return TokenMinter(jwksPath: jwks, tokens: tokens)
    }

    private static let script = #"""
        import base64, json, sys, time
        from cryptography.hazmat.primitives import hashes, hmac, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

        jwks_path, issuer, audience, user = sys.argv[1:5]

        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        def uint(number, size=None):
            return b64(number.to_bytes(size or (number.bit_length() + 7) // 8, "big"))

        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ec_key = ec.generate_private_key(ec.SECP256R1())
        ed_key = ed25519.Ed25519PrivateKey.generate()
        rsa_public = rsa_key.public_key().public_numbers()
        ec_public = ec_key.public_key().public_numbers()
        ed_public = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        with open(jwks_path, "w") as out:
            json.dump({"keys": [
                {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
                 "n": uint(rsa_public.n), "e": uint(rsa_public.e)},
                {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
                 "x": uint(ec_public.x, 32), "y": uint(ec_public.y, 32)},
                {"kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": b64(ed_public)},
            ]}, out)

        def rs256(key):
            return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())

        def es256(data):
            r, s = utils.decode_dss_signature(ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        def hs256_with_public_key(data):
            # Algorithm confusion: the RSA public key as an HMAC secret.
            secret = rsa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            mac = hmac.HMAC(secret, hashes.SHA256())
            mac.update(data)
            return mac.finalize()

        def jwt(alg, kid, sign, **changes):
            now = int(time.time())
            claims = {"iss": issuer, "aud": [audience, "account"], "exp": now + 600, "nbf": now - 5, "iat": now,
                      "preferred_username": user, "email": user + "@example.org"}
            claims.update(changes)
            claims = {k: v for k, v in claims.items() if v is not None}
            header = {"alg": alg, "typ": "JWT"}
            if kid is not None:
                header["kid"] = kid
            data = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())).encode()
            return data.decode() + "." + (b64(sign(data)) if sign else "")

        now = int(time.time())
        print(json.dumps({
            "rs256": jwt("RS256", "rsa-1", rs256(rsa_key)),
            # Keycloak-sized: roles and groups push it past a command line's 1,024 octets.
            "long": jwt("RS256", "rsa-1", rs256(rsa_key),
                        realm_access={"roles": ["role-%03d-of-the-mail-realm" % i for i in range(50)]}),
            "es256": jwt("ES256", "ec-1", es256),
            "eddsa": jwt("EdDSA", "ed-1", ed_key.sign),
            "expired": jwt("RS256", "rsa-1", rs256(rsa_key), exp=now - 3600, nbf=now - 7200),
            "not_yet_valid": jwt("RS256", "rsa-1", rs256(rsa_key), nbf=now + 3600, exp=now + 7200),
            "wrong_audience": jwt("RS256", "rsa-1", rs256(rsa_key), aud="another-client"),
            "wrong_issuer": jwt("RS256", "rsa-1", rs256(rsa_key), iss="https://evil.example/"),
            "bad_signature": jwt("RS256", "rsa-1", rs256(impostor)),
            "alg_none": jwt("none", "rsa-1", None),
            "hs256_confusion": jwt("HS256", "rsa-1", hs256_with_public_key),
            "alg_mismatch": jwt("ES256", "rsa-1", es256),
            "unknown_kid": jwt("RS256", "rsa-9", rs256(rsa_key)),
            "no_kid": jwt("RS256", None, rs256(rsa_key)),
            "no_expiry": jwt("RS256", "rsa-1", rs256(rsa_key), exp=None),
            "unknown_user": jwt("RS256", "rsa-1", rs256(rsa_key), preferred_username="nobody"),
        }))
        """#
}
