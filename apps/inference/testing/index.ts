// What the tests and the benches share: small trained models, hostile request generators and a
// raw HTTP client.
export * from "./hostile-requests.js";
export * from "./raw-http.js";
export * from "./models.js";
export * from "./shifted-traffic.js";
