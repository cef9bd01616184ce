#!/usr/bin/python3
"""A local stand-in for the Gemini generateContent API, for the semantic.gemini tests.

Usage: fake_gemini.py PORT_FILE RECORD_DIR
Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and answers
POST .../models/<scenario>:generateContent. Every request is saved as RECORD_DIR/<n>.json
({"path", "headers", "body"}). The scenario is the model name:
  ok           200, one region
  retry_after  429 (Retry-After: 1, RetryInfo 1s, message quoting the key), then as ok
  flaky500     500, then as ok
  malformed    200 with a body that is not JSON
  schema       200 with ymin > ymax in box_2d
  slow         sleeps 2 s, then as ok
  forbidden    403 PERMISSION_DENIED whose message quotes the key
  down         503 every time
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, RECORD_DIR = sys.argv[1], sys.argv[2]
lock = threading.Lock()
seen = {"n": 0}
calls = {}

OK_TEXT = json.dumps({"regions": [{"label": "nodule", "box_2d": [100, 200, 500, 600], "priority": 0.8,
                                   "texture": "lesion"}], "confidence": 0.7})
SCHEMA_TEXT = json.dumps({"regions": [{"label": "nodule", "box_2d": [500, 200, 400, 600], "priority": 0.8,
                                       "texture": "lesion"}], "confidence": 0.7})


def envelope(text):
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "modelVersion": "fake-1"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            seen["n"] += 1
            n = seen["n"]
            scenario = self.path.rsplit("/", 1)[-1].split(":")[0]
            calls[scenario] = calls.get(scenario, 0) + 1
            k = calls[scenario]
        record = {"path": self.path, "headers": {h.lower(): v for h, v in self.headers.items()},
                  "body": body.decode()}
        tmp = os.path.join(RECORD_DIR, "%d.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(RECORD_DIR, "%d.json" % n))
        key = self.headers.get("x-goog-api-key", "")
        if scenario == "retry_after" and k == 1:
            return self.reply(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                              "message": "quota exceeded for key " + key,
                                              "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                           "retryDelay": "1s"}]}}, [("Retry-After", "1")])
        if scenario == "flaky500" and k == 1:
            return self.reply(500, {"error": {"code": 500, "status": "INTERNAL", "message": "try again"}})
        if scenario == "malformed":
            return self.reply(200, b"{\"candidates\": [ oops")
        if scenario == "schema":
            return self.reply(200, envelope(SCHEMA_TEXT))
        if scenario == "slow":
            time.sleep(2)
        if scenario == "forbidden":
            return self.reply(403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                              "message": "API key " + key + " is not valid"}})
        if scenario == "down":
            return self.reply(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "overloaded"}})
        return self.reply(200, envelope(OK_TEXT))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
