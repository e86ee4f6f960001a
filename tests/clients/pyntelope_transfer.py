"""A token transfer signed and sent by pyntelope (PyPI), a client nobody on this project wrote,
given only what `lab env` exports and what `lab accounts --json --show-secrets` prints.

stdin: the accounts JSON. Environment: LAB_API_URLS (the api nodes; else LAB_API_URL) and
LAB_CHAIN_ID. Sends the smallest unit of the core token from the first user account to the
second, through the first api node, and prints one JSON line: the transaction id, the block the
node put it in, sender, receiver and quantity. The caller checks the chain for it.
"""

import json
import os
import sys

import pyntelope

urls = os.environ.get("LAB_API_URLS", "").replace(",", " ").split() or [os.environ["LAB_API_URL"]]
api_url = urls[0].rstrip("/")
accounts = json.load(sys.stdin)
users = [a for a in accounts if a["role"] == "staked"]
sender, receiver = users[0], users[1]

# The core token as the account list shows it: "9.9980 SYS" gives the precision and the code.
amount, code = sender["liquid"].split()
precision = len(amount.split(".")[1]) if "." in amount else 0
quantity = f"{1 / 10**precision:.{precision}f} {code}"

net = pyntelope.Net(host=api_url)
chain_id = net.get_info()["chain_id"]
if chain_id != os.environ["LAB_CHAIN_ID"]:
    sys.exit(f"{api_url} serves chain {chain_id}, not LAB_CHAIN_ID {os.environ['LAB_CHAIN_ID']}")

action = pyntelope.Action(
    account="eosio.token",
    name="transfer",
    authorization=[pyntelope.Authorization(actor=sender["name"], permission="active")],
    data=[
        pyntelope.Data(name="from", value=pyntelope.types.Name(sender["name"])),
        pyntelope.Data(name="to", value=pyntelope.types.Name(receiver["name"])),
        pyntelope.Data(name="quantity", value=pyntelope.types.Asset(quantity)),
        pyntelope.Data(name="memo", value=pyntelope.types.String("signed by pyntelope")),
    ],
)
signed = pyntelope.Transaction(actions=[action]).link(net=net).sign(key=sender["private_key"])
answer = net.push_transaction(transaction=signed)
if "transaction_id" not in answer:
    sys.exit(f"the node refused the transaction: {json.dumps(answer)[:2000]}")
print(
    json.dumps(
        {
            "transaction_id": answer["transaction_id"],
            "block_num": answer["processed"]["block_num"],
            "from": sender["name"],
            "to": receiver["name"],
            "quantity": quantity,
        }
    )
)
