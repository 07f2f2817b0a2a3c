// s3rver in its own process, started by startS3Process: `node --openssl-legacy-provider` lets
// s3rver build its continuation tokens (DES), which Node's default OpenSSL 3 provider refuses.
import S3rver from "s3rver";

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${port}\n`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
