// Reads a JSON array of Kubernetes documents on stdin; validates every one whose apiVersion has a
// model here against the schema generated from its CRD (types, enums, required fields); prints a JSON
// array of {apiVersion, kind, name, status: "valid" | "invalid" | "unmodelled", error?}.
import * as istioNetworking from "@kubernetes-models/istio/networking.istio.io/v1";
import * as istioSecurity from "@kubernetes-models/istio/security.istio.io/v1";
import * as certManager from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import * as externalSecrets from "@kubernetes-models/external-secrets/external-secrets.io/v1";

const MODELS = {
  "networking.istio.io/v1": istioNetworking,
  "security.istio.io/v1": istioSecurity,
  "cert-manager.io/v1": certManager,
  "external-secrets.io/v1": externalSecrets,
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((doc) => {
  const result = { apiVersion: doc.apiVersion, kind: doc.kind, name: doc.metadata?.name };
  const Model = MODELS[doc.apiVersion]?.[doc.kind];
  if (!Model) return { ...result, status: "unmodelled" };
  try {
    new Model(doc).validate();
    return { ...result, status: "valid" };
  } catch (error) {
    return { ...result, status: "invalid", error: String(error.message) };
  }
});
process.stdout.write(JSON.stringify(results));
