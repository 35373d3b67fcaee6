/** Points the AWS SDK's standard env vars at a local emulator, and restores them afterwards. */
const keys = [
  "AWS_REGION",
  "AWS_ENDPOINT_URL_AMP",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
];

/** Sets the env vars for `url` and returns a function that restores the previous values. */
export function useEmulatorEnv(
  url: string,
  credentials = { accessKeyId: "test", secretAccessKey: "test" },
): () => void {
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ENDPOINT_URL_AMP = url;
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  };
}
