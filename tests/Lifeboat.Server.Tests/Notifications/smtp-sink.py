"""An SMTP server for the notification tests (aiosmtpd, Debian's python3-aiosmtpd) on a loopback port.

smtp-sink.py OUTDIR [--starttls CERT KEY | --smtps CERT KEY] [--auth USER PASSWORD] [--plain-auth]
Each message received becomes OUTDIR/NNNN.json: the envelope, whether TLS was on, who logged in, the headers and
the body as Python's email parser decodes them, and the raw message. Prints "READY PORT" once it listens.
"""
import argparse, asyncio, email, email.policy, json, os, socket, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--starttls", nargs=2)
parser.add_argument("--smtps", nargs=2)
parser.add_argument("--auth", nargs=2)
parser.add_argument("--plain-auth", action="store_true", help="offer AUTH before TLS too")
args = parser.parse_args()


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = message.get_body(("plain",))
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data if session.authenticated else None,
            "headers": {k: str(v) for k, v in message.items()},
            "body": body.get_content() if body is not None else None,
            "raw": (envelope.original_content or envelope.content).decode("utf-8", "replace"),
        }
        path = os.path.join(args.out, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login.decode() == args.auth[0] and data.password.decode() == args.auth[1]
    return AuthResult(success=ok, handled=False, auth_data=data.login.decode() if ok else None)


def context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]

options = {}
if args.starttls:
    options["tls_context"] = context(*args.starttls)
    options["require_starttls"] = True
if args.auth:
    options["authenticator"] = authenticate
    options["auth_required"] = True
    options["auth_require_tls"] = not args.plain_auth
kwargs = {"ssl_context": context(*args.smtps)} if args.smtps else {}
controller = Controller(Sink(), hostname="127.0.0.1", port=port, **options, **kwargs)
controller.start()
print("READY", port, flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
