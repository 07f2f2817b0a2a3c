// Hostile request generators and a raw HTTP client: what the fuzz suite and the soak bench share.
export * from "./hostile-requests.js";
export * from "./raw-http.js";
