// Child process of test/ha-etcd-client.test.ts: ten loops of etcd reads through the store, each
// error printed as "<epoch ms> ERR <message>", so the test can see when the errors stop after the
// process is woken from SIGSTOP.
import { EtcdStore } from "../controlplane/storage/etcd";

const store = new EtcdStore({ endpoints: [process.argv[2]!] });
const loop = async () => {
  for (;;) {
    try {
      await store.get("/kubelab/sigstop-probe");
    } catch (e) {
      process.stdout.write(`${Date.now()} ERR ${(e as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
};
for (let i = 0; i < 10; i++) void loop();
process.stdout.write("READY\n");
