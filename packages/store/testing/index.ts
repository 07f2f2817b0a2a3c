export { closedPort, startFaultyProxy, startS3 } from "./s3-server.js";
export { startFakeOidc, startIamTokenGate, type FakeOidc } from "./yandex-cloud.js";
