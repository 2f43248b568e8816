#!/usr/bin/env python3
"""A fake Kubernetes API server for tests, held to kubectl by Tests/EdpctlTests/FakeKubeServerTests.swift.

    fake-kube-apiserver.py --cert server.pem --key server-key.pem --client-ca ca.pem

Serves HTTPS on 127.0.0.1, on a port the kernel picks, and prints that port as the first line of
stdout. After that, stdin and stdout are its control channel: one JSON object per line in, one JSON
object per line out (see `control`). Exits when stdin reaches end of file. Standard library only
(PyYAML is used for apply bodies that are YAML rather than JSON, when it is installed).
Bodies are JSON, or protobuf for Namespace, Secret and ConfigMap (kubectl's typed clients send
protobuf for `kubectl create namespace|secret|configmap`); answers are always JSON.

What it implements, after the API conventions of Kubernetes:
- authentication: client certificates signed by --client-ca (CN = user, O = groups) and bearer
  tokens; 401 `Unauthorized` Status without either. Authorization: everything is allowed except
  what `deny` rules forbid, answered with the API server's 403 `Forbidden` wording.
- discovery: /version, /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION (the legacy,
  unaggregated documents), and a minimal /openapi/v3 that tells kubectl `fieldValidation` is
  supported (so kubectl leaves validation to the server, as with a real one).
- resources: namespaces, secrets, configmaps, nodes, pods, events, jobs (batch/v1),
  customresourcedefinitions (creating one registers its kind once Established: at once unless a
  delay is simulated), and kinds registered through the control channel.
- verbs: get, list (limit/continue, labelSelector with =, ==, !=, key and !key, fieldSelector on
  metadata.name/metadata.namespace), create, update (Conflict on a stale resourceVersion), delete,
  patch with application/merge-patch+json, and server-side apply (application/apply-patch+yaml)
  with fieldManager required, force, managedFields and conflicts between managers.
  `fieldValidation=Strict` rejects unknown top-level fields of built-in kinds; `dryRun=All` stores
  nothing. Objects get uid, resourceVersion (one global counter), generation, creationTimestamp;
  a Secret's stringData is folded into data. A Table is returned when asked for (kubectl get).
- Status errors with the real reason, code and details: AlreadyExists, NotFound, Conflict, Invalid,
  BadRequest, Forbidden, Unauthorized, TooManyRequests, InternalError, ServiceUnavailable.
- faults from the control channel: latency, N answers with a 5xx code, N 429s with Retry-After,
  N dropped connections; counters of requests (by verb and by "METHOD path") and of TLS
  connections accepted; a request log (method, path, query, user, code; never a body or header).
- a `Warning:` header (299) on every request to a CRD version registered as deprecated.

- watch (`?watch=1` on a list path): newline-delimited ADDED/MODIFIED/DELETED events, chunked, for
  changes after `resourceVersion` (without one, or with "0": ADDED for the current objects first),
  filtered by labelSelector/fieldSelector on the object as it is now, ending after `timeoutSeconds`
  (at most 60, the default). The store keeps its last 1000 changes; an older resourceVersion is a
  410 `Expired`. A handler waits on a condition signalled at every write.

What it does not: deletecollection, subresources (status, scale), finalizers and graceful
deletion (a deleted namespace and its contents are gone at once), set-based label selectors,
OpenAPI schemas, strategic-merge and JSON patches, associative lists in apply (a list is one
atomic field), protobuf, HTTP/2, aggregated discovery (kubectl falls back to the legacy documents).

Control requests (each answers {"ok": true, ...} or {"ok": false, "error": "..."}):
  {"op": "token", "token": T, "user": U, "groups": [G]}        accept a bearer token
  {"op": "deny", "user": U, "verb": V, "resource": R, "namespace": N}   forbid (N "" = cluster scope, "*" = any)
  {"op": "crd", "group": G, "version": V, "kind": K, "plural": P, "scope": "Namespaced"|"Cluster",
   "deprecationWarning": W}                                      serve a custom kind
  {"op": "fault", "kind": "error"|"throttle"|"drop"|"latency", "count": N, "code": C,
   "retryAfter": S, "seconds": S, "method": M, "path": SUBSTRING}  queue a fault (latency: count -1 = always)
  {"op": "clearFaults"}
  {"op": "counters"}   -> {"requests": {"get": n, ...}, "paths": {"GET /api/v1": n}, "connections": n}
  {"op": "requests"}   -> {"requests": [{"method", "path", "query", "user", "code", "verb"}]}
  {"op": "reset"}      forget counters and the request log
  {"op": "object", "path": API_PATH}  -> {"object": ...} the stored object, no authorization
  {"op": "put", "object": OBJ}       -> {"object": ...} store OBJ (status included) as a controller would
  {"op": "objects", "apiVersion": AV, "kind": K}  -> {"objects": [...]} every stored object of the kind
  {"op": "creations"}  -> {"creations": {"Kind ns/name": n}} how many times each object was created
                          (by anyone: clients, put, the simulated controllers; "Kind name" at cluster scope);
                          `reset` forgets them
  {"op": "simulate", ...}  configures the simulated controllers; any of these keys, in one request or several:
     "crdFolder": DIR                  where CRD files named below are read from (YAML, PyYAML needed)
     "helmCharts": true                create k3s's HelmChart and HelmChartConfig CRDs from DIR
     "crdEstablishedDelay": S          CRDs created from now on are Established (and their kinds served) S later
     "chart": NAME|"*", "delay": S, "failure": MSG, "waiting": {"reason": R, "message": M}, "crds": [FILE]
                                       how the install of HelmChart NAME (or any other) goes
     "node": NAME, "kubeletVersion": V, "appearAfter": S, "readyAfter": S
     "application": NAME|"*", "namespace": NS, "delay": S, "degraded": MSG, "creates": [CHILD]

Simulated controllers (they act on threads of their own after a write is answered, as real ones do):
- CRDs: a created CustomResourceDefinition is NamesAccepted at once and Established after
  crdEstablishedDelay (0: at once); its kind is served from then on, a 404 before.
- k3s's helm-controller (pkg/controllers/chart/chart.go), on each write of a HelmChart with spec.chart
  (or of a HelmChartConfig of the same name):
  the Job it wants is `helm-install-NAME` in the HelmChart's namespace, label
  helmcharts.helm.cattle.io/chart=NAME, owned by the HelmChart (uid), backoffLimit 1000, container `helm`
  (klipper-helm) with args `install [--namespace T] [--create-namespace] [--version V]` and env NAME,
  VERSION, REPO, HELM_DRIVER, CHART_NAMESPACE, CHART (NAME/CHART when a repo is set), HELM_VERSION,
  TARGET_NAMESPACE, [TIMEOUT], FAILURE_POLICY, and the pod template annotation
  helmcharts.helm.cattle.io/configHash = "SHA256=" + upper-case hex SHA-256 of
  "values-01_HelmChart.yaml" + spec.valuesContent, then "values-10_HelmChartConfig.yaml" + the
  valuesContent of a HelmChartConfig of the same name (each only when not empty). When no such Job
  exists, or the existing one differs (another spec), the old Job and its pods are deleted and the Job
  created anew (helm-controller's patcher does that); the same spec written again changes nothing. The
  HelmChart gets the annotation helmcharts.cattle.io/managed-by=helm-controller and status
  {jobName, conditions JobCreated=True, Failed=False}, and a Normal ApplyJob event; the Job a pod
  `helm-install-NAME-xxxxx` (Running) and a SuccessfulCreate event. After the chart's delay:
  success: the chart's CRDs are created (then Established as above), the pod Succeeded, the Job
  status {succeeded: 1, conditions SuccessCriteriaMet=True, Complete=True}, a Completed event;
  failure: the pod Failed, its `helm` container terminated (reason Error, message MSG), the Job
  status {failed: 1, conditions FailureTarget=True, Failed=True reason BackoffLimitExceeded message
  "Job has reached the specified backoff limit"}, and a Warning BackoffLimitExceeded event on the Job.
  "waiting": the pod stays Pending, its container waiting with reason R and message M, a Warning
  Failed event on the pod with M, and the Job never finishes.
- a k3s node NAME appears after appearAfter (Ready=False, KubeletNotReady) and is Ready after readyAfter,
  status.nodeInfo.kubeletVersion V.
- Argo CD: an Application in NS named NAME (or any, "*") that is created later is OutOfSync and
  Missing at once; it (or one that exists already) gets, after the delay, status.sync.status Synced
  and status.health.status Healthy (or Degraded with MSG). "creates": an app of apps; once Synced it
  creates the Applications CHILD (spec.source from its own), which then go the same way.
  A deleted install Job is made again (helm-controller watches the Jobs it owns); deleting a
  HelmChart runs no uninstall Job.
"""

import argparse
import base64
import copy
import datetime
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

try:
    import yaml
except ImportError:  # JSON bodies (what kubectl sends) still work.
    yaml = None

SERVER_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-fake", "platform": "linux/amd64"}
ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
METADATA_FIELDS = {"name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp",
                   "deletionTimestamp", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
                   "selfLink", "deletionGracePeriodSeconds"}
# Fields managed by the server, left out of field managers' sets.
SERVER_FIELDS = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"), ("metadata", "uid"),
                 ("metadata", "resourceVersion"), ("metadata", "generation"), ("metadata", "creationTimestamp"),
                 ("metadata", "managedFields")}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class Resource:
    def __init__(self, group, version, kind, plural, namespaced, fields=None, short=(), deprecation=None,
                 name_pattern=DNS_SUBDOMAIN):
        self.group, self.version, self.kind, self.plural = group, version, kind, plural
        self.namespaced = namespaced
        self.fields = fields  # known top-level fields, None for any (custom resources)
        self.short = list(short)
        self.deprecation = deprecation
        self.name_pattern = name_pattern

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self):
        """How errors name the resource: `secrets`, `widgets.example.com`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def discovery(self):
        return {"name": self.plural, "singularName": self.kind.lower(), "namespaced": self.namespaced,
                "kind": self.kind, "verbs": ALL_VERBS, "shortNames": self.short}


class APIError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers or {}

    def status(self):
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            status["details"] = self.details
        return status


def not_found(resource, name):
    return APIError(404, "NotFound", f'{resource.qualified} "{name}" not found', name_details(resource, name))


def name_details(resource, name):
    details = {"name": name, "kind": resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def bad_request(message):
    return APIError(400, "BadRequest", message)


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- field sets for managedFields: a set of paths (tuples of keys) to leaves; lists are atomic ---

def leaf_paths(value, prefix=()):
    if isinstance(value, dict) and value:
        paths = set()
        for key, child in value.items():
            paths |= leaf_paths(child, prefix + (key,))
        return paths
    return {prefix}


def owned_paths(obj):
    return {path for path in leaf_paths(obj) if path[:2] not in SERVER_FIELDS and path[:1] not in SERVER_FIELDS}


def fields_v1(paths):
    tree = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault("f:" + key, {})
    return tree


def paths_of_fields_v1(tree, prefix=()):
    paths = set()
    for key, child in tree.items():
        if not key.startswith("f:"):
            continue
        path = prefix + (key[2:],)
        paths |= paths_of_fields_v1(child, path) if child else {path}
    return paths


def lookup(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def remove_path(obj, path):
    parents = []
    for key in path[:-1]:
        if not isinstance(obj, dict) or key not in obj:
            return
        parents.append((obj, key))
        obj = obj[key]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)
    # Drop maps left empty, as apply does.
    for parent, key in reversed(parents):
        if parent[key] == {}:
            del parent[key]


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- protobuf, which kubectl's typed clients send for built-in kinds (`kubectl create secret`) ---

PROTOBUF = "application/vnd.kubernetes.protobuf"
# Field numbers from k8s.io/api/core/v1/generated.proto and apimachinery's ObjectMeta; what a client
# sends on create. A kind is (fields by number: (json name, how to read the value)).
META_FIELDS = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
               11: ("labels", "map:string"), 12: ("annotations", "map:string"), 14: ("finalizers", "list:string")}
PROTO_KINDS = {
    "Namespace": {1: ("metadata", "meta"), 2: ("spec", "nsspec")},
    "Secret": {1: ("metadata", "meta"), 2: ("data", "map:bytes"), 3: ("type", "string"),
               4: ("stringData", "map:string"), 5: ("immutable", "bool")},
    "ConfigMap": {1: ("metadata", "meta"), 2: ("data", "map:string"), 3: ("binaryData", "map:bytes"),
                  4: ("immutable", "bool")},
}


def proto_fields(data):
    """(number, wire type, value) of each field of one message."""
    position = 0

    def varint():
        nonlocal position
        result, shift = 0, 0
        while True:
            byte = data[position]
            position += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7

    while position < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 2:
            length = varint()
            yield number, wire, data[position:position + length]
            position += length
        elif wire == 1:
            position += 8
        elif wire == 5:
            position += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def proto_message(data, schema):
    obj = {}
    for number, _, value in proto_fields(data):
        if number not in schema:
            continue
        name, how = schema[number]
        if how == "string":
            # Go writes empty strings too; JSON's omitempty would have left them out.
            if value:
                obj[name] = value.decode()
        elif how == "bool":
            obj[name] = bool(value)
        elif how == "meta":
            obj[name] = proto_message(value, META_FIELDS)
        elif how == "nsspec":
            obj[name] = proto_message(value, {1: ("finalizers", "list:string")})
        elif how == "list:string":
            obj.setdefault(name, []).append(value.decode())
        elif how.startswith("map:"):
            entry = {n: v for n, _, v in proto_fields(value)}
            raw = entry.get(2, b"")
            obj.setdefault(name, {})[entry.get(1, b"").decode()] = \
                base64.b64encode(raw).decode() if how == "map:bytes" else raw.decode()
    return obj


def decode_protobuf(body):
    """The object in a `k8s\\0`-prefixed runtime.Unknown envelope, as JSON would have carried it."""
    if not body.startswith(b"k8s\x00"):
        raise ValueError("no k8s protobuf magic number")
    envelope = {n: v for n, _, v in proto_fields(body[4:])}
    type_meta = {n: v.decode() for n, _, v in proto_fields(envelope.get(1, b""))}
    kind = type_meta.get(2, "")
    if kind not in PROTO_KINDS:
        raise ValueError(f"protobuf bodies of kind {kind!r} are not supported by the fake API server")
    obj = proto_message(envelope.get(2, b""), PROTO_KINDS[kind])
    obj["apiVersion"], obj["kind"] = type_meta.get(1, ""), kind
    return obj


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.resource_version = 100
        self.objects = {}  # (group, plural, namespace, name) -> object
        self.resources = {}  # (group, version, plural) -> Resource
        # What watches replay: (resourceVersion, type, (group, plural, namespace, name), object), oldest first.
        self.events = []
        self.events_floor = self.resource_version  # a watch from before this has lost events
        self.changed = threading.Condition(self.lock)
        self.creations = {}  # "Kind namespace/name" (cluster scope: "Kind name") -> times created
        for resource in [
            Resource("", "v1", "Namespace", "namespaces", False,
                     {"apiVersion", "kind", "metadata", "spec", "status"}, ["ns"], name_pattern=DNS_LABEL),
            Resource("", "v1", "Secret", "secrets", True,
                     {"apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable"}),
            Resource("", "v1", "ConfigMap", "configmaps", True,
                     {"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"}, ["cm"]),
            Resource("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
                     {"apiVersion", "kind", "metadata", "spec", "status"}, ["crd", "crds"]),
            Resource("", "v1", "Node", "nodes", False, {"apiVersion", "kind", "metadata", "spec", "status"}, ["no"]),
            Resource("", "v1", "Pod", "pods", True, {"apiVersion", "kind", "metadata", "spec", "status"}, ["po"]),
            Resource("", "v1", "Event", "events", True,
                     {"apiVersion", "kind", "metadata", "involvedObject", "reason", "message", "source", "type", "count",
                      "firstTimestamp", "lastTimestamp", "eventTime", "reportingComponent", "reportingInstance",
                      "action", "related", "series"}, ["ev"]),
            Resource("batch", "v1", "Job", "jobs", True, {"apiVersion", "kind", "metadata", "spec", "status"}),
        ]:
            self.register(resource)
        for name in ["default", "kube-system", "kube-public"]:
            self.write(self.resources[("", "v1", "namespaces")], None, name,
                       {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def register(self, resource):
        with self.lock:
            self.resources[(resource.group, resource.version, resource.plural)] = resource

    def groups(self):
        with self.lock:
            groups = {}
            for resource in self.resources.values():
                if resource.group:
                    groups.setdefault(resource.group, [])
                    if resource.version not in groups[resource.group]:
                        groups[resource.group].append(resource.version)
            return groups

    def next_version(self):
        self.resource_version += 1
        return str(self.resource_version)

    def write(self, resource, namespace, name, obj):
        """Stores `obj` under a new resourceVersion; the caller holds the lock or is the constructor."""
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("uid", str(uuid.uuid4()))
        metadata.setdefault("creationTimestamp", now())
        metadata.setdefault("generation", 1)
        metadata["resourceVersion"] = self.next_version()
        key = (resource.group, resource.plural, namespace or "", name)
        if key not in self.objects:
            label = f"{resource.kind} {namespace}/{name}" if namespace else f"{resource.kind} {name}"
            self.creations[label] = self.creations.get(label, 0) + 1
        self.record_event("MODIFIED" if key in self.objects else "ADDED", key, obj)
        self.objects[key] = obj
        return obj

    def remove(self, key):
        """Deletes the object at `key`; the caller holds the lock."""
        obj = copy.deepcopy(self.objects.pop(key))
        obj["metadata"]["resourceVersion"] = self.next_version()
        self.record_event("DELETED", key, obj)

    def record_event(self, kind, key, obj):
        with self.changed:
            self.events.append((self.resource_version, kind, key, copy.deepcopy(obj)))
            if len(self.events) > 1000:
                self.events_floor = self.events.pop(0)[0]
            self.changed.notify_all()


# --- simulated controllers: what k3s's helm-controller, the Job controller, kubelet, the CRD
# establishing controller and Argo CD do to the objects a client writes (see the docstring) ---

HELM_LABEL = "helmcharts.helm.cattle.io/chart"
HELM_CONFIG_HASH = "helmcharts.helm.cattle.io/configHash"
HELM_MANAGED_BY = "helmcharts.cattle.io/managed-by"
HELM_JOB_IMAGE = "rancher/klipper-helm:v0.9.4-build20250113"


def random_suffix():
    return uuid.uuid4().hex[:5]


class Simulator:
    """Reacts to writes (`written`, called with the store's lock held) on threads of its own, as
    controllers watching the API server would: nothing happens inside the client's request."""

    def __init__(self, store):
        self.store = store
        self.crd_folder = None
        self.charts = {}  # chart name or "*" -> behaviour
        self.crd_delay = 0.0
        self.applications = {}  # (namespace, name or "*") -> behaviour

    # --- configuration (the `simulate` control op) ---

    def configure(self, request):
        if "crdFolder" in request:
            self.crd_folder = request["crdFolder"]
        if "crdEstablishedDelay" in request:
            self.crd_delay = float(request["crdEstablishedDelay"])
        if request.get("helmCharts"):
            self.install_crd_file("helm.cattle.io_HelmChart.yaml", delay=0)
            self.install_crd_file("helm.cattle.io_HelmChartConfig.yaml", delay=0)
        if "chart" in request:
            self.charts[request["chart"]] = {"delay": float(request.get("delay", 0)), "failure": request.get("failure"),
                                             "waiting": request.get("waiting"), "crds": list(request.get("crds", []))}
        if "node" in request:
            self.node(request["node"], request.get("kubeletVersion", "v1.31.4+k3s1"),
                      float(request.get("appearAfter", 0)), float(request.get("readyAfter", 0)))
        if "application" in request:
            namespace = request.get("namespace", "argocd")
            behaviour = {"delay": float(request.get("delay", 0)), "degraded": request.get("degraded"),
                         "creates": list(request.get("creates", []))}
            self.applications[(namespace, request["application"])] = behaviour
            with self.store.lock:
                existing = [obj for (g, p, ns, name), obj in self.store.objects.items()
                            if (g, p, ns) == ("argoproj.io", "applications", namespace)
                            and request["application"] in (name, "*")]
            for obj in existing:
                self.later(behaviour["delay"], self.settle_application, namespace, obj["metadata"]["name"], behaviour)

    def later(self, delay, action, *arguments):
        timer = threading.Timer(delay, self.guarded, (action,) + arguments)
        timer.daemon = True
        timer.start()

    @staticmethod
    def guarded(action, *arguments):
        try:
            action(*arguments)
        except Exception as error:  # a bug in the fake's controllers must show in the server's log
            sys.stderr.write(f"simulated controller failed: {error!r}\n")

    def resource(self, group, kind):
        return next((r for r in self.store.resources.values() if r.group == group and r.kind == kind), None)

    def save(self, obj):
        """Writes `obj` as a controller would; the caller holds the store's lock."""
        group, _, version = obj["apiVersion"].rpartition("/")
        resource = self.resource(group, obj["kind"])
        metadata = obj["metadata"]
        namespace = metadata.get("namespace") if resource.namespaced else None
        return self.store.write(resource, namespace, metadata["name"], obj)

    def get(self, group, plural, namespace, name):
        return self.store.objects.get((group, plural, namespace or "", name))

    def event(self, involved, type_, reason, message, component):
        metadata = involved["metadata"]
        namespace = metadata.get("namespace") or "default"
        stamp = now()
        self.save({"apiVersion": "v1", "kind": "Event",
                   "metadata": {"name": f'{metadata["name"]}.{uuid.uuid4().hex[:16]}', "namespace": namespace},
                   "involvedObject": {"apiVersion": involved["apiVersion"], "kind": involved["kind"],
                                      "namespace": namespace, "name": metadata["name"], "uid": metadata.get("uid", "")},
                   "type": type_, "reason": reason, "message": message, "source": {"component": component},
                   "reportingComponent": component, "count": 1, "firstTimestamp": stamp, "lastTimestamp": stamp})

    # --- CustomResourceDefinitions: served once Established ---

    def install_crd_file(self, file, delay=None):
        path = file if os.path.isabs(file) else os.path.join(self.crd_folder or ".", file)
        with open(path) as stream:
            # libyaml's loader when PyYAML has it: the pure-Python one takes 0.4 s on Argo CD's Application
            # CRD, which would add to the install time a chart's delay simulates.
            crd = next(d for d in yaml.load_all(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d)
        with self.store.lock:
            if self.get("apiextensions.k8s.io", "customresourcedefinitions", None, crd["metadata"]["name"]):
                return
            crd = self.save(crd)
            self.crd_created(crd, delay)

    def crd_created(self, crd, delay=None):
        """The kind is served, and the CRD Established, after the configured delay."""
        delay = self.crd_delay if delay is None else delay
        names = (crd.get("spec") or {}).get("names") or {}
        if delay <= 0:
            # Written again, as the establishing controller's status update is: a watch that saw the
            # CRD ADDED without conditions then sees it MODIFIED, Established.
            self.establish(crd)
            self.save(crd)
            return
        crd["status"] = {"acceptedNames": names, "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now()},
            {"type": "Established", "status": "False", "reason": "Installing",
             "message": "the initial names have been accepted", "lastTransitionTime": now()}]}
        self.later(delay, self.establish_later, crd["metadata"]["name"])

    def establish_later(self, name):
        with self.store.lock:
            crd = self.get("apiextensions.k8s.io", "customresourcedefinitions", None, name)
            if crd is not None:
                crd = copy.deepcopy(crd)
                self.establish(crd)
                self.save(crd)

    def establish(self, crd):
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        for version in spec.get("versions") or []:
            if version.get("served", True):
                self.store.register(Resource(
                    spec.get("group", ""), version["name"], names.get("kind", ""), names.get("plural", ""),
                    spec.get("scope", "Namespaced") == "Namespaced", short=names.get("shortNames", ()),
                    deprecation=version.get("deprecationWarning") if version.get("deprecated") else None))
        crd["status"] = {"acceptedNames": names, "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
             "lastTransitionTime": now()},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now()}]}

    # --- reacting to writes ---

    def written(self, resource, obj, created):
        """Called by the API handler after each stored write, with the store's lock held."""
        key = (resource.group, resource.kind)
        if key == ("apiextensions.k8s.io", "CustomResourceDefinition") and created:
            self.crd_created(obj)
        elif key in (("helm.cattle.io", "HelmChart"), ("helm.cattle.io", "HelmChartConfig")):
            # A HelmChartConfig's values go into its HelmChart's Job, so either change reconciles the chart.
            metadata = obj["metadata"]
            self.later(0, self.reconcile_chart, metadata.get("namespace"), metadata["name"])
        elif key == ("argoproj.io", "Application") and created:
            metadata = obj["metadata"]
            namespace, name = metadata.get("namespace"), metadata["name"]
            self.application_created(namespace, name)

    def deleted(self, resource, obj):
        """Called by the API handler after a delete, with the store's lock held."""
        # helm-controller watches the Jobs its HelmCharts own and makes a deleted one again.
        if (resource.group, resource.kind) == ("batch", "Job"):
            # The garbage collector takes the Job's pods with it.
            namespace = obj["metadata"].get("namespace")
            for key, pod in list(self.store.objects.items()):
                if key[:3] == ("", "pods", namespace) and \
                        (pod["metadata"].get("labels") or {}).get("batch.kubernetes.io/job-name") == obj["metadata"]["name"]:
                    self.store.remove(key)
            for owner in obj["metadata"].get("ownerReferences") or []:
                if owner.get("kind") == "HelmChart":
                    self.later(0, self.reconcile_chart, obj["metadata"].get("namespace"), owner["name"])

    # --- k3s's helm-controller and the Job controller ---

    def behaviour(self, chart_name):
        return self.charts.get(chart_name) or self.charts.get("*") or \
            {"delay": 0.0, "failure": None, "waiting": None, "crds": []}

    def config_hash(self, chart):
        """helm-controller's hashObjects: the values Secret's data (the HelmChart's values, then those
        of the HelmChartConfig of the same name), keys sorted; the content ConfigMap is empty."""
        metadata = chart["metadata"]
        config = self.get("helm.cattle.io", "helmchartconfigs", metadata["namespace"], metadata["name"]) or {}
        digest = hashlib.sha256()
        for key, content in [("values-01_HelmChart.yaml", (chart.get("spec") or {}).get("valuesContent")),
                             ("values-10_HelmChartConfig.yaml", (config.get("spec") or {}).get("valuesContent"))]:
            if content:
                digest.update(key.encode())
                digest.update(content.encode())
        return "SHA256=" + digest.hexdigest().upper()

    def install_job(self, chart):
        """The Job helm-controller makes for `chart` (pkg/controllers/chart/chart.go)."""
        metadata, spec = chart["metadata"], chart.get("spec") or {}
        name = metadata["name"]
        args = ["install"]
        if spec.get("targetNamespace"):
            args += ["--namespace", spec["targetNamespace"]]
        if spec.get("createNamespace"):
            args.append("--create-namespace")
        if spec.get("version"):
            args += ["--version", spec["version"]]
        chart_ref = f'{name}/{spec.get("chart", "")}' if spec.get("repo") else spec.get("chart", "")
        env = [{"name": "NAME", "value": name}, {"name": "VERSION", "value": spec.get("version", "")},
               {"name": "REPO", "value": spec.get("repo", "")}, {"name": "HELM_DRIVER", "value": "secret"},
               {"name": "CHART_NAMESPACE", "value": metadata["namespace"]}, {"name": "CHART", "value": chart_ref},
               {"name": "HELM_VERSION", "value": spec.get("helmVersion", "")},
               {"name": "TARGET_NAMESPACE", "value": spec.get("targetNamespace") or metadata["namespace"]}]
        if spec.get("timeout"):
            env.append({"name": "TIMEOUT", "value": spec["timeout"]})
        env.append({"name": "FAILURE_POLICY", "value": spec.get("failurePolicy") or "reinstall"})
        labels = {HELM_LABEL: name}
        return {"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": f"helm-install-{name}", "namespace": metadata["namespace"], "labels": labels,
                             "ownerReferences": [{"apiVersion": "helm.cattle.io/v1", "kind": "HelmChart", "name": name,
                                                  "uid": metadata["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": {"backoffLimit": spec.get("backOffLimit", 1000), "template": {
                    "metadata": {"labels": dict(labels),
                                 "annotations": {HELM_CONFIG_HASH: self.config_hash(chart)}},
                    "spec": {"restartPolicy": "OnFailure", "serviceAccountName": f"helm-{name}",
                             "nodeSelector": {"kubernetes.io/os": "linux"},
                             "containers": [{"name": "helm", "image": spec.get("jobImage") or HELM_JOB_IMAGE,
                                             "imagePullPolicy": "IfNotPresent", "args": args, "env": env}]}}}}

    def reconcile_chart(self, namespace, name):
        with self.store.lock:
            chart = self.get("helm.cattle.io", "helmcharts", namespace, name)
            if chart is None or not (chart.get("spec") or {}).get("chart"):
                return
            wanted = self.install_job(chart)
            job_name = wanted["metadata"]["name"]
            current = self.get("batch", "jobs", namespace, job_name)
            # wrangler's apply patches a Job whose spec changed; helm-controller's patcher deletes and recreates it.
            if current is not None and current.get("spec") == wanted["spec"] \
                    and current["metadata"].get("ownerReferences") == wanted["metadata"]["ownerReferences"]:
                return
            if current is not None:
                self.remove_job(namespace, job_name)
            job = self.save(wanted)
            pod = self.save(self.job_pod(job, "Pending"))
            self.event(job, "Normal", "SuccessfulCreate", f'Created pod: {pod["metadata"]["name"]}', "job-controller")
            chart = copy.deepcopy(chart)
            chart["metadata"].setdefault("annotations", {})[HELM_MANAGED_BY] = "helm-controller"
            chart["status"] = {"jobName": job_name, "conditions": [
                {"type": "JobCreated", "status": "True", "reason": "Job created",
                 "message": f"Applying HelmChart using Job {namespace}/{job_name}"},
                {"type": "Failed", "status": "False"}]}
            chart = self.save(chart)
            self.event(chart, "Normal", "ApplyJob", f"Applying HelmChart using Job {namespace}/{job_name}",
                       "helm-controller")
            behaviour = self.behaviour(name)
            uid = job["metadata"]["uid"]
            if behaviour["waiting"]:
                waiting = behaviour["waiting"]
                pod = copy.deepcopy(pod)
                pod["status"]["containerStatuses"][0]["state"] = {"waiting": {
                    "reason": waiting.get("reason", "ImagePullBackOff"), "message": waiting.get("message", "")}}
                pod = self.save(pod)
                self.event(pod, "Warning", "Failed", waiting.get("message", ""), "kubelet")
                return
            self.set_pod(namespace, pod["metadata"]["name"], "Running")
            self.later(behaviour["delay"], self.finish_job, namespace, job_name, uid, pod["metadata"]["name"], behaviour)

    def job_pod(self, job, phase):
        metadata = job["metadata"]
        template = job["spec"]["template"]
        labels = dict(template["metadata"]["labels"], **{"batch.kubernetes.io/job-name": metadata["name"],
                                                         "job-name": metadata["name"],
                                                         "batch.kubernetes.io/controller-uid": metadata["uid"],
                                                         "controller-uid": metadata["uid"]})
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f'{metadata["name"]}-{random_suffix()}', "namespace": metadata["namespace"],
                             "labels": labels, "annotations": dict(template["metadata"]["annotations"]),
                             "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": metadata["name"],
                                                  "uid": metadata["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": copy.deepcopy(template["spec"]),
                "status": {"phase": phase, "containerStatuses": [
                    {"name": "helm", "image": template["spec"]["containers"][0]["image"], "ready": False,
                     "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}}

    def set_pod(self, namespace, name, phase, state=None):
        pod = self.get("", "pods", namespace, name)
        if pod is None:
            return None
        pod = copy.deepcopy(pod)
        pod["status"]["phase"] = phase
        status = pod["status"]["containerStatuses"][0]
        status["ready"] = phase == "Running"
        status["state"] = state or {"running": {"startedAt": now()}}
        return self.save(pod)

    def remove_job(self, namespace, job_name):
        for key, obj in list(self.store.objects.items()):
            if key[:3] == ("", "pods", namespace) and \
                    (obj["metadata"].get("labels") or {}).get("batch.kubernetes.io/job-name") == job_name:
                self.store.remove(key)
        self.store.remove(("batch", "jobs", namespace, job_name))

    def finish_job(self, namespace, job_name, uid, pod_name, behaviour):
        # A chart's CRDs are installed before helm's install returns.
        if not behaviour["failure"]:
            for file in behaviour["crds"]:
                self.install_crd_file(file)
        with self.store.lock:
            job = self.get("batch", "jobs", namespace, job_name)
            if job is None or job["metadata"]["uid"] != uid:
                return  # replaced meanwhile
            job = copy.deepcopy(job)
            stamp = now()
            if behaviour["failure"]:
                self.set_pod(namespace, pod_name, "Failed", {"terminated": {
                    "exitCode": 1, "reason": "Error", "message": behaviour["failure"], "finishedAt": stamp}})
                message = "Job has reached the specified backoff limit"
                job["status"] = {"startTime": job["metadata"]["creationTimestamp"], "failed": 1, "conditions": [
                    {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": message,
                     "lastProbeTime": stamp, "lastTransitionTime": stamp},
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": message,
                     "lastProbeTime": stamp, "lastTransitionTime": stamp}]}
                job = self.save(job)
                self.event(job, "Warning", "BackoffLimitExceeded", message, "job-controller")
            else:
                self.set_pod(namespace, pod_name, "Succeeded", {"terminated": {
                    "exitCode": 0, "reason": "Completed", "finishedAt": stamp}})
                job["status"] = {"startTime": job["metadata"]["creationTimestamp"], "completionTime": stamp,
                                 "succeeded": 1, "conditions": [
                                     {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                                      "message": "Reached expected number of succeeded pods",
                                      "lastProbeTime": stamp, "lastTransitionTime": stamp},
                                     {"type": "Complete", "status": "True", "reason": "CompletionsReached",
                                      "message": "Reached expected number of succeeded pods",
                                      "lastProbeTime": stamp, "lastTransitionTime": stamp}]}
                job = self.save(job)
                self.event(job, "Normal", "Completed", "Job completed", "job-controller")

    # --- a k3s node and its kubelet ---

    def node(self, name, kubelet_version, appear_after, ready_after):
        def appear():
            with self.store.lock:
                self.save(self.node_object(name, kubelet_version, False))
        def ready():
            with self.store.lock:
                self.save(self.node_object(name, kubelet_version, True))
        self.later(appear_after, appear)
        self.later(max(ready_after, appear_after), ready)

    def node_object(self, name, kubelet_version, ready):
        current = self.get("", "nodes", None, name)
        node = copy.deepcopy(current) if current else {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                                  "node-role.kubernetes.io/control-plane": "true",
                                                  "node.kubernetes.io/instance-type": "k3s"}},
            "spec": {"podCIDR": "10.42.0.0/24"}}
        stamp = now()
        node["status"] = {"nodeInfo": {"kubeletVersion": kubelet_version, "kubeProxyVersion": kubelet_version,
                                       "operatingSystem": "linux", "architecture": "amd64",
                                       "containerRuntimeVersion": "containerd://1.7.23-k3s2"},
                          "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                          "reason": "KubeletReady" if ready else "KubeletNotReady",
                                          "message": "kubelet is posting ready status" if ready else
                                          "container runtime network not ready: NetworkReady=false",
                                          "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}]}
        return node

    # --- Argo CD's application controller ---

    def application_created(self, namespace, name):
        """A new Application is OutOfSync and Missing until the controller has synced it."""
        behaviour = self.applications.get((namespace, name)) or self.applications.get((namespace, "*"))
        if behaviour is None:
            return
        self.later(0, self.application_status, namespace, name,
                   {"sync": {"status": "OutOfSync"}, "health": {"status": "Missing"}})
        self.later(behaviour["delay"], self.settle_application, namespace, name, behaviour)

    def application_status(self, namespace, name, status):
        with self.store.lock:
            app = self.get("argoproj.io", "applications", namespace, name)
            if app is not None and not app.get("status"):
                app = copy.deepcopy(app)
                app["status"] = status
                self.save(app)

    def settle_application(self, namespace, name, behaviour):
        with self.store.lock:
            app = self.get("argoproj.io", "applications", namespace, name)
            if app is None:
                return
            app = copy.deepcopy(app)
            health = {"status": "Healthy"}
            if behaviour["degraded"]:
                health = {"status": "Degraded", "message": behaviour["degraded"]}
            status = app.setdefault("status", {})
            status["sync"] = {"status": "Synced", "revision": "0" * 40}
            status["health"] = health
            status["reconciledAt"] = now()
            self.save(app)
            # An app of apps: syncing it creates the Applications its path holds.
            source = (app.get("spec") or {}).get("source") or {}
            for child in behaviour.get("creates", []):
                if self.get("argoproj.io", "applications", namespace, child) is None:
                    self.save({"apiVersion": app["apiVersion"], "kind": "Application",
                               "metadata": {"name": child, "namespace": namespace},
                               "spec": {"project": "default",
                                        "source": {"repoURL": source.get("repoURL", ""), "path": f"apps/{child}",
                                                   "targetRevision": source.get("targetRevision", "HEAD")},
                                        "destination": {"server": "https://kubernetes.default.svc", "namespace": child}}})
                    self.application_created(namespace, child)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"
    sys_version = ""
    # An answer's headers and body are separate writes: with Nagle on, the body waits for the
    # client's delayed ACK, 40 ms a request on Linux (200 Secrets took 18 s instead of well under 1).
    disable_nagle_algorithm = True

    def setup(self):
        # The handshake runs here, in the connection's own thread, so a slow client blocks no one.
        try:
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.server.count_connection(False)
            sys.stderr.write(f"TLS handshake failed: {error}\n")
            self.request.close()
            self.handshake_failed = True
            super().setup()
            return
        self.handshake_failed = False
        self.server.count_connection(True)
        super().setup()

    def handle(self):
        if not self.handshake_failed:
            super().handle()

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def do_PUT(self):
        self.serve()

    def do_PATCH(self):
        self.serve()

    def do_DELETE(self):
        self.serve()

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    # --- one request ---

    def serve(self):
        body = self.read_body()
        url = urlsplit(self.path)
        self.query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        # One handler serves every request of a keep-alive connection: nothing carries over.
        self.user, self.verb, self.warnings, self.later = None, None, [], []
        fault = self.server.take_fault(self.command, url.path)
        if fault == "drop":
            self.server.record(self, url, 0)
            self.close_connection = True
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            if isinstance(fault, APIError):
                raise fault
            self.user = self.authenticate()
            code, answer = self.route(url.path, body)
        except APIError as error:
            code, answer = error.code, error.status()
            for name, value in error.headers.items():
                self.send_header_later(name, value)
        except Exception as error:  # A bug in the fake: answered as the API server answers its own.
            sys.stderr.write(f"internal error: {error!r}\n")
            code = 500
            answer = APIError(500, "InternalError", f"Internal error occurred: {error}",
                              {"causes": [{"message": str(error)}]}).status()
        self.server.record(self, url, code)
        if callable(answer):
            answer()
            return
        payload = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in self.later:
            self.send_header(name, value)
        for warning in self.warnings:
            self.send_header("Warning", f'299 - "{warning}"')
        self.end_headers()
        self.wfile.write(payload)

    def send_header_later(self, name, value):
        self.later.append((name, value))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def authenticate(self):
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            for token, user in self.server.tokens.items():
                if hmac.compare_digest(token.encode(), value.strip().encode()):
                    return user
            raise APIError(401, "Unauthorized", "Unauthorized")
        certificate = self.request.getpeercert()
        if certificate:
            name, groups = None, []
            for rdn in certificate.get("subject", ()):
                for key, val in rdn:
                    if key == "commonName":
                        name = val
                    elif key == "organizationName":
                        groups.append(val)
            if name:
                return {"name": name, "groups": groups + ["system:authenticated"]}
        raise APIError(401, "Unauthorized", "Unauthorized")

    def authorize(self, resource, verb, namespace, name):
        user = self.user["name"]
        for rule in self.server.denials:
            if rule["user"] == user and rule["verb"] in (verb, "*") and rule["resource"] in (resource.plural, "*") \
                    and rule.get("namespace", "*") in ((namespace or ""), "*"):
                subject = f'{resource.qualified} "{name}"' if name else resource.qualified
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                raise APIError(403, "Forbidden",
                               f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource.plural}" '
                               f'in API group "{resource.group}" {scope}',
                               name_details(resource, name) if name else
                               ({"kind": resource.plural, "group": resource.group} if resource.group
                                else {"kind": resource.plural}))

    def route(self, path, body):
        store = self.server.store
        segments = [s for s in path.split("/") if s]
        if path == "/version":
            return 200, SERVER_VERSION
        if segments[:2] == ["openapi", "v3"]:
            return self.openapi(segments[2:])
        if segments == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.server.server_address[1]}"}]}
        if segments == ["apis"]:
            return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                         "groups": [self.group_document(g, v) for g, v in sorted(store.groups().items())]}
        if segments[:1] == ["apis"] and len(segments) == 2:
            versions = store.groups().get(segments[1])
            if not versions:
                raise APIError(404, "NotFound", "the server could not find the requested resource")
            return 200, dict(self.group_document(segments[1], versions), kind="APIGroup", apiVersion="v1")
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        with store.lock:
            resources = [r for (g, v, _), r in store.resources.items() if g == group and v == version]
        if not resources:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        for resource in resources:
            if resource.deprecation:
                self.warnings.append(resource.deprecation)
        if not rest:
            return 200, {"kind": "APIResourceList", "apiVersion": "v1",
                         "groupVersion": f"{group}/{version}" if group else version,
                         "resources": [r.discovery() for r in resources]}
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        if len(rest) > 2:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        resource = next((r for r in resources if r.plural == plural), None)
        if resource is None or (namespace and not resource.namespaced):
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        return self.resource_request(resource, namespace, name, body)

    def group_document(self, group, versions):
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def openapi(self, rest):
        """Only what kubectl reads to learn that the server validates fields itself."""
        store = self.server.store
        with store.lock:
            resources = list(store.resources.values())
        if not rest:
            paths = {}
            for r in resources:
                key = f"apis/{r.group}/{r.version}" if r.group else "api/v1"
                paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash=fake{len(resources)}"}
            return 200, {"paths": paths}
        wanted = "/".join(rest)
        paths = {}
        for r in resources:
            base = f"apis/{r.group}/{r.version}" if r.group else "api/v1"
            if base != wanted:
                continue
            scope = "/namespaces/{namespace}" if r.namespaced else ""
            paths[f"/{base}{scope}/{r.plural}/{{name}}"] = {"patch": {
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                               for n in ("dryRun", "fieldManager", "fieldValidation", "force")],
                "responses": {"200": {"description": "OK"}}}}
        if not paths:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        return 200, {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
                     "paths": paths, "components": {"schemas": {}}}

    # --- the verbs ---

    def resource_request(self, resource, namespace, name, body):
        method = self.command
        if method == "GET" and self.query.get("watch") in ("1", "true"):
            if name:
                raise APIError(405, "MethodNotAllowed", "watch one object with fieldSelector=metadata.name=NAME")
            self.verb = "watch"
            self.authorize(resource, "watch", namespace, None)
            return 200, self.watch(resource, namespace)
        verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete"}[method]
        self.verb = verb
        if (verb in ("update", "patch", "delete") and not name) or (verb == "create" and name):
            raise APIError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource")
        self.authorize(resource, verb, namespace, name)
        if verb == "list":
            return self.list(resource, namespace)
        if verb == "get":
            with self.server.store.lock:
                obj = self.find(resource, namespace, name)
                return 200, self.present(resource, [obj]) if self.wants_table() else obj
        if verb == "delete":
            return self.delete(resource, namespace, name)
        incoming = self.decode(body, resource, name)
        if verb == "create":
            return self.create(resource, namespace, incoming)
        if verb == "update":
            return self.update(resource, namespace, name, incoming)
        return self.patch(resource, namespace, name, incoming)

    def decode(self, body, resource, name):
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if self.command == "PATCH" and content_type not in ("application/merge-patch+json", "application/apply-patch+yaml",
                                                            "application/apply-patch+json"):
            raise APIError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted "
                           f"media types include: application/merge-patch+json, application/apply-patch+yaml")
        try:
            obj = decode_protobuf(body) if content_type == PROTOBUF else json.loads(body)
        except ValueError as error:
            if content_type == PROTOBUF:
                raise APIError(415, "UnsupportedMediaType", str(error))
            if content_type == "application/apply-patch+yaml" and yaml is not None:
                try:
                    obj = yaml.safe_load(body)
                except yaml.YAMLError as yaml_error:
                    raise bad_request(f"error decoding YAML: {yaml_error}")
            else:
                raise bad_request(f"couldn't get version/kind; json parse error: {error}")
        if not isinstance(obj, dict):
            raise bad_request("the body of the request must be an object")
        self.strict_check(resource, obj, content_type, name)
        return obj

    def strict_check(self, resource, obj, content_type, name):
        if self.query.get("fieldValidation", "Strict" if "apply-patch" in content_type else "Warn") == "Ignore" \
                or resource.fields is None:
            return
        unknown = sorted(k for k in obj if k not in resource.fields)
        unknown += sorted("metadata." + k for k in (obj.get("metadata") or {}) if k not in METADATA_FIELDS)
        if not unknown:
            return
        if self.query.get("fieldValidation") != "Strict":
            self.warnings += [f'unknown field "{field}"' for field in unknown]
            return
        if "apply-patch" in content_type:
            namespace = (obj.get("metadata") or {}).get("namespace", "")
            raise bad_request(f"failed to create typed patch object ({namespace}/{name}; {resource.api_version if resource.group else '/v1'}, "
                              f"Kind={resource.kind}): " + ", ".join(f".{f}: field not declared in schema" for f in unknown))
        raise bad_request(f'{resource.kind} in version "{resource.version}" cannot be handled as a {resource.kind}: '
                          f"strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))

    def find(self, resource, namespace, name):
        obj = self.server.store.objects.get((resource.group, resource.plural, namespace or "", name))
        if obj is None:
            raise not_found(resource, name)
        return obj

    def require_namespace(self, namespace):
        store = self.server.store
        if namespace and ("", "namespaces", "", namespace) not in store.objects:
            raise not_found(store.resources[("", "v1", "namespaces")], namespace)

    def dry_run(self):
        value = self.query.get("dryRun")
        if value not in (None, "All"):
            raise bad_request(f'unsupported dry run option "{value}"')
        return value == "All"

    def manager(self):
        manager = self.query.get("fieldManager")
        if manager:
            return manager
        return self.headers.get("User-Agent", "unknown").split("/")[0]

    def prepare(self, resource, namespace, name, obj):
        """What every write does to the object it is given: identity, and the kind's own rules."""
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        metadata = obj.setdefault("metadata", {})
        if namespace:
            if metadata.get("namespace", namespace) != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            metadata["namespace"] = namespace
        if not resource.name_pattern.match(name) or len(name) > 253:
            message = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                       "start and end with an alphanumeric character") if resource.name_pattern is DNS_LABEL else \
                      ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                       "and must start and end with an alphanumeric character")
            cause = f'metadata.name: Invalid value: "{name}": {message}'
            raise APIError(422, "Invalid", f'{resource.kind} "{name}" is invalid: {cause}',
                           {"name": name, "kind": resource.kind, **({"group": resource.group} if resource.group else {}),
                            "causes": [{"reason": "FieldValueInvalid", "message": f'Invalid value: "{name}": {message}',
                                        "field": "metadata.name"}]})
        if resource.kind == "Secret":
            data = obj.setdefault("data", {}) or {}
            for key, value in data.items():
                try:
                    base64.b64decode(value, validate=True)
                except (ValueError, TypeError):
                    raise bad_request(f'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                                      f'in data key "{key}"')
            for key, value in (obj.pop("stringData", None) or {}).items():
                data[key] = base64.b64encode(str(value).encode()).decode()
            obj["data"] = data
            obj["type"] = obj.get("type") or "Opaque"
            if not data:
                del obj["data"]
        if resource.kind == "Namespace":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}
            metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        return obj

    def managed_entry(self, manager, operation, paths):
        return {"manager": manager, "operation": operation, "apiVersion": "v1", "time": now(),
                "fieldsType": "FieldsV1", "fieldsV1": fields_v1(paths)}

    def create(self, resource, namespace, obj):
        name = (obj.get("metadata") or {}).get("name")
        if not name:
            raise APIError(422, "Invalid", f"{resource.kind} \"\" is invalid: metadata.name: Required value: name or "
                           f"generateName is required", {"kind": resource.kind, "causes": [
                               {"reason": "FieldValueRequired", "message": "Required value: name or generateName is required",
                                "field": "metadata.name"}]})
        store = self.server.store
        with store.lock:
            self.require_namespace(namespace)
            if (resource.group, resource.plural, namespace or "", name) in store.objects:
                raise APIError(409, "AlreadyExists", f'{resource.qualified} "{name}" already exists',
                               name_details(resource, name))
            obj = self.prepare(resource, namespace, name, copy.deepcopy(obj))
            for key in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
                obj["metadata"].pop(key, None)
            obj["metadata"]["managedFields"] = [self.managed_entry(self.manager(), "Update", owned_paths(obj))]
            return 201, self.commit(resource, namespace, name, obj, created=True)

    def commit(self, resource, namespace, name, obj, created=False):
        store = self.server.store
        if self.dry_run():
            metadata = obj["metadata"]
            metadata.setdefault("uid", str(uuid.uuid4()))
            metadata.setdefault("creationTimestamp", now())
            metadata.setdefault("generation", 1)
            return obj
        obj = store.write(resource, namespace, name, obj)
        # A created CRD is established (at once unless a delay is simulated); the controllers react.
        self.server.simulator.written(resource, obj, created)
        return copy.deepcopy(obj)

    def next_generation(self, old, new):
        changed = {k: v for k, v in new.items() if k not in ("metadata", "status")} != \
                  {k: v for k, v in old.items() if k not in ("metadata", "status")}
        return old["metadata"].get("generation", 1) + (1 if changed else 0)

    def update(self, resource, namespace, name, obj):
        store = self.server.store
        with store.lock:
            current = self.find(resource, namespace, name)
            given = (obj.get("metadata") or {})
            if given.get("name", name) != name:
                raise bad_request("the name of the object does not match the name on the URL")
            version = given.get("resourceVersion")
            if not version:
                raise APIError(422, "Invalid", f'{resource.kind} "{name}" is invalid: metadata.resourceVersion: '
                               f"Invalid value: 0x0: must be specified for an update",
                               {"name": name, "kind": resource.kind, "causes": [{"reason": "FieldValueInvalid",
                                "message": "Invalid value: 0x0: must be specified for an update",
                                "field": "metadata.resourceVersion"}]})
            if version != current["metadata"]["resourceVersion"]:
                raise self.conflict(resource, name)
            obj = self.prepare(resource, namespace, name, copy.deepcopy(obj))
            return 200, self.replace(resource, namespace, name, current, obj, self.manager(), "Update")

    def conflict(self, resource, name):
        return APIError(409, "Conflict", f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object '
                        f"has been modified; please apply your changes to the latest version and try again",
                        name_details(resource, name))

    def replace(self, resource, namespace, name, current, obj, manager, operation, managed=None):
        """Stores `obj` in place of `current`, keeping identity; the no-op write keeps the resourceVersion."""
        metadata = obj["metadata"]
        for key in ("uid", "creationTimestamp"):
            metadata[key] = current["metadata"][key]
        metadata["resourceVersion"] = current["metadata"]["resourceVersion"]
        metadata["generation"] = self.next_generation(current, obj)
        if managed is None:
            # An update takes the fields it changed from their former managers.
            changed = {p for p in owned_paths(obj) if lookup(obj, p) != lookup(current, p)} | \
                      {p for p in owned_paths(current) if lookup(obj, p) is None}
            managed = []
            mine = set()
            for entry in current["metadata"].get("managedFields", []):
                paths = paths_of_fields_v1(entry.get("fieldsV1", {})) - changed
                if entry["manager"] == manager and entry["operation"] == operation:
                    mine = paths
                elif paths:
                    managed.append(dict(entry, fieldsV1=fields_v1(paths)))
            mine |= {p for p in changed if lookup(obj, p) is not None}
            if mine:
                managed.append(self.managed_entry(manager, operation, mine))
        metadata["managedFields"] = managed
        if self.same(current, obj):
            return copy.deepcopy(current)
        return self.commit(resource, namespace, name, obj)

    @staticmethod
    def same(a, b):
        strip = lambda o: {k: ({mk: mv for mk, mv in v.items() if mk != "managedFields"} if k == "metadata" else v)
                           for k, v in o.items()}
        times = lambda o: [{k: v for k, v in e.items() if k != "time"} for e in o["metadata"].get("managedFields", [])]
        return strip(a) == strip(b) and times(a) == times(b)

    def patch(self, resource, namespace, name, patch):
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        store = self.server.store
        with store.lock:
            if content_type == "application/merge-patch+json":
                current = self.find(resource, namespace, name)
                version = (patch.get("metadata") or {}).get("resourceVersion")
                if version and version != current["metadata"]["resourceVersion"]:
                    raise self.conflict(resource, name)
                obj = self.prepare(resource, namespace, name, merge_patch(current, patch))
                return 200, self.replace(resource, namespace, name, current, obj, self.manager(), "Update")
            return self.apply(resource, namespace, name, patch)

    def apply(self, resource, namespace, name, applied):
        manager = self.query.get("fieldManager")
        if not manager:
            raise bad_request("fieldManager is required for apply requests")
        force = self.query.get("force") in ("true", "1")
        given = applied.get("metadata") or {}
        if given.get("name", name) != name:
            raise bad_request("the name of the object does not match the name on the URL")
        applied = self.prepare(resource, namespace, name, copy.deepcopy(applied))
        applied["metadata"].pop("managedFields", None)
        key = (resource.group, resource.plural, namespace or "", name)
        mine = owned_paths(applied)
        current = self.server.store.objects.get(key)
        if current is None:
            self.require_namespace(namespace)
            applied["metadata"]["managedFields"] = [self.managed_entry(manager, "Apply", mine)]
            return 201, self.commit(resource, namespace, name, applied, created=True)
        version = given.get("resourceVersion")
        if version and version != current["metadata"]["resourceVersion"]:
            raise self.conflict(resource, name)
        conflicts, managed, before = [], [], set()
        for entry in current["metadata"].get("managedFields", []):
            paths = paths_of_fields_v1(entry.get("fieldsV1", {}))
            if entry["manager"] == manager and entry["operation"] == "Apply":
                before = paths
                continue
            clashing = {p for p in paths & mine if lookup(current, p) != lookup(applied, p)}
            if clashing and not force:
                conflicts += [(entry["manager"], p) for p in sorted(clashing)]
            managed.append((entry, paths - clashing if force else paths))
        if conflicts:
            causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using v1',
                       "field": "." + ".".join(p)} for m, p in conflicts]
            lines = "\n".join(f'- {c["message"]}: {c["field"]}' for c in causes)
            raise APIError(409, "Conflict", f"Apply failed with {len(causes)} conflict{'s' if len(causes) > 1 else ''}: "
                           + (f'{causes[0]["message"]}: {causes[0]["field"]}' if len(causes) == 1 else "\n" + lines),
                           {"causes": causes})
        others = set().union(*[paths for _, paths in managed]) if managed else set()
        obj = copy.deepcopy(current)
        obj["metadata"].pop("managedFields", None)
        # Fields this manager applied before and no longer applies go, unless someone else owns them.
        for path in before - mine - others:
            remove_path(obj, path)
        obj = merge_patch(obj, applied)
        entries = [dict(e, fieldsV1=fields_v1(p)) for e, p in managed if p]
        entries.append(self.managed_entry(manager, "Apply", mine))
        if lookup(current, ("metadata", "managedFields")):
            old = {e["manager"] + e["operation"]: e for e in current["metadata"]["managedFields"]}
            # An entry whose fields did not change keeps its time, so a repeated apply is a no-op.
            entries = [old[e["manager"] + e["operation"]]
                       if e["manager"] + e["operation"] in old
                       and old[e["manager"] + e["operation"]]["fieldsV1"] == e["fieldsV1"] else e for e in entries]
        return 200, self.replace(resource, namespace, name, current, obj, manager, "Apply", managed=entries)

    def delete(self, resource, namespace, name):
        store = self.server.store
        with store.lock:
            obj = self.find(resource, namespace, name)
            if self.dry_run():
                return 200, copy.deepcopy(obj)
            if resource.plural == "namespaces" and not resource.group:
                for key in [k for k in store.objects if k[2] == name]:
                    store.remove(key)
            store.remove((resource.group, resource.plural, namespace or "", name))
            self.server.simulator.deleted(resource, obj)
            return 200, copy.deepcopy(obj)

    def watch(self, resource, namespace):
        """Checks the request now (errors are answers) and returns what streams the events."""
        store = self.server.store
        labels, fields = self.label_selector(), self.field_selector()
        try:
            timeout = min(int(self.query.get("timeoutSeconds") or 60), 60)
        except ValueError:
            raise bad_request(f'invalid timeoutSeconds "{self.query["timeoutSeconds"]}"')
        since = self.query.get("resourceVersion") or "0"
        if not since.isdigit():
            raise bad_request(f'invalid resourceVersion "{since}"')
        wanted = lambda key, obj: key[:2] == (resource.group, resource.plural) and \
            (not namespace or key[2] == namespace) and self.selected(obj, labels, fields)
        with store.lock:
            if since == "0":
                pending = [("ADDED", copy.deepcopy(obj)) for key, obj in sorted(store.objects.items()) if wanted(key, obj)]
                last = store.resource_version
            else:
                last = int(since)
                if last < store.events_floor:
                    raise APIError(410, "Expired", f"too old resource version: {last} ({store.events_floor})")
                pending = []

        def stream():
            nonlocal last, pending
            deadline = time.monotonic() + timeout
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while True:
                    for kind, obj in pending:
                        line = json.dumps({"type": kind, "object": obj}).encode() + b"\n"
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                    with store.changed:
                        while True:
                            fresh = [e for e in store.events if e[0] > last]
                            left = deadline - time.monotonic()
                            if fresh or left <= 0:
                                break
                            store.changed.wait(left)
                        if fresh:
                            last = fresh[-1][0]
                        pending = [(kind, copy.deepcopy(obj)) for _, kind, key, obj in fresh if wanted(key, obj)]
                    if not fresh:
                        self.wfile.write(b"0\r\n\r\n")
                        return
            except OSError:  # the client went away
                self.close_connection = True
        return stream

    def list(self, resource, namespace):
        store = self.server.store
        selector = self.label_selector()
        fields = self.field_selector()
        try:
            limit = int(self.query.get("limit") or 0)
        except ValueError:
            raise bad_request(f'invalid limit "{self.query["limit"]}"')
        start = ""
        if self.query.get("continue"):
            try:
                start = json.loads(base64.urlsafe_b64decode(self.query["continue"]))["start"]
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        with store.lock:
            matching = []
            for (group, plural, ns, name), obj in sorted(store.objects.items()):
                if group != resource.group or plural != resource.plural or (namespace and ns != namespace):
                    continue
                if f"{ns}/{name}" < start or not self.selected(obj, selector, fields):
                    continue
                matching.append(copy.deepcopy(obj))
            version = str(store.resource_version)
        metadata = {"resourceVersion": version}
        if limit and len(matching) > limit:
            last = matching[limit - 1]["metadata"]
            token = {"v": "meta.k8s.io/v1", "rv": int(version),
                     "start": f'{last.get("namespace", "")}/{last["name"]}\0'}
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
            metadata["remainingItemCount"] = len(matching) - limit
            matching = matching[:limit]
        if self.wants_table():
            table = self.present(resource, matching)
            table["metadata"] = metadata
            return 200, table
        return 200, {"kind": resource.kind + "List", "apiVersion": resource.api_version, "metadata": metadata,
                     "items": matching}

    def label_selector(self):
        terms = []
        for term in filter(None, (t.strip() for t in self.query.get("labelSelector", "").split(","))):
            match = re.fullmatch(r"([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)", term)
            if match:
                terms.append((match[1], match[2], match[3]))
            elif re.fullmatch(r"!?[A-Za-z0-9./_-]+", term):
                terms.append((term.lstrip("!"), "!" if term.startswith("!") else "exists", None))
            else:
                raise bad_request(f'unable to parse requirement: "{term}": set-based selectors are not supported '
                                  f"by the fake API server")
        return terms

    def field_selector(self):
        terms = []
        for term in filter(None, self.query.get("fieldSelector", "").split(",")):
            match = re.fullmatch(r"(metadata\.name|metadata\.namespace)(==|=|!=)(.*)", term)
            if not match:
                raise bad_request(f'"{term}" is not a known field selector: only "metadata.name", "metadata.namespace"')
            terms.append((match[1].split(".")[1], match[2], match[3]))
        return terms

    @staticmethod
    def selected(obj, labels, fields):
        present = obj["metadata"].get("labels") or {}
        for key, op, value in labels:
            if (op in ("=", "==") and present.get(key) != value) or (op == "!=" and present.get(key) == value) \
                    or (op == "exists" and key not in present) or (op == "!" and key in present):
                return False
        for key, op, value in fields:
            if (obj["metadata"].get(key, "") == value) != (op != "!="):
                return False
        return True

    def wants_table(self):
        return "as=Table" in self.headers.get("Accept", "")

    def present(self, resource, objects):
        """A meta.k8s.io/v1 Table, as `kubectl get` asks for."""
        columns = [("Name", "string", "name")]
        if resource.kind == "Secret":
            columns += [("Type", "string", ""), ("Data", "string", "")]
        if resource.kind == "Namespace":
            columns += [("Status", "string", "")]
        columns += [("Age", "string", "")]
        rows = []
        for obj in objects:
            cells = [obj["metadata"]["name"]]
            if resource.kind == "Secret":
                cells += [obj.get("type", "Opaque"), len(obj.get("data") or {})]
            if resource.kind == "Namespace":
                cells += [(obj.get("status") or {}).get("phase", "Active")]
            created = datetime.datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
            age = int(time.time() - created.replace(tzinfo=datetime.timezone.utc).timestamp())
            cells.append(f"{age}s" if age < 120 else f"{age // 60}m")
            rows.append({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                    "metadata": obj["metadata"]}})
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
                "columnDefinitions": [{"name": n, "type": t, "format": f, "description": n, "priority": 0}
                                      for n, t, f in columns],
                "rows": rows}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls, tokens):
        super().__init__(("127.0.0.1", 0), Handler)
        self.tls = tls
        self.tokens = tokens
        self.store = Store()
        self.simulator = Simulator(self.store)
        self.denials = []
        self.faults = []
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.connections, self.failed_handshakes = 0, 0
            self.by_verb, self.by_path, self.log = {}, {}, []

    def count_connection(self, ok):
        with self.lock:
            if ok:
                self.connections += 1
            else:
                self.failed_handshakes += 1

    def record(self, handler, url, code):
        verb = getattr(handler, "verb", None) or "other"
        key = f"{handler.command} {url.path}"
        with self.lock:
            self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
            self.by_path[key] = self.by_path.get(key, 0) + 1
            self.log.append({"method": handler.command, "path": url.path, "query": url.query, "verb": verb,
                             "user": (handler.user or {}).get("name"), "code": code})

    def take_fault(self, method, path):
        """The fault this request meets, if any: "drop", an APIError, or None (after any latency)."""
        delay, result = 0, None
        with self.lock:
            for fault in self.faults:
                if fault["count"] == 0 or fault.get("method", method) != method or fault.get("path", "") not in path:
                    continue
                if fault["kind"] == "latency":
                    delay += fault.get("seconds", 0)
                elif result is None:
                    code = fault.get("code", 503)
                    if fault["kind"] == "drop":
                        result = "drop"
                    elif fault["kind"] == "throttle":
                        after = fault.get("retryAfter", 1)
                        result = APIError(429, "TooManyRequests", "Too many requests, please try again later.",
                                          {"causes": [{"reason": "UnexpectedServerResponse",
                                                       "message": "Too many requests, please try again later."}],
                                           "retryAfterSeconds": after}, {"Retry-After": str(after)})
                    elif code == 500:
                        result = APIError(500, "InternalError", "Internal error occurred: injected fault",
                                          {"causes": [{"message": "injected fault"}]})
                    else:
                        result = APIError(code, "ServiceUnavailable" if code == 503 else "InternalError",
                                          "the server is currently unable to handle the request")
                else:
                    continue
                if fault["count"] > 0:
                    fault["count"] -= 1
        if delay:
            time.sleep(delay)
        return result

    def control(self, request):
        op = request.get("op")
        if op == "token":
            self.tokens[request["token"]] = {"name": request["user"],
                                             "groups": request.get("groups", []) + ["system:authenticated"]}
        elif op == "deny":
            self.denials.append({k: request.get(k, "*") for k in ("user", "verb", "resource", "namespace")})
        elif op == "crd":
            self.store.register(Resource(request["group"], request["version"], request["kind"], request["plural"],
                                         request.get("scope", "Namespaced") == "Namespaced",
                                         deprecation=request.get("deprecationWarning")))
        elif op == "fault":
            if request.get("kind") not in ("error", "throttle", "drop", "latency"):
                raise ValueError(f'unknown fault kind {request.get("kind")!r}')
            with self.lock:
                self.faults.append(dict(request, count=request.get("count", 1)))
        elif op == "clearFaults":
            with self.lock:
                self.faults = []
        elif op == "counters":
            with self.lock:
                return {"requests": dict(self.by_verb), "paths": dict(self.by_path), "connections": self.connections,
                        "failedHandshakes": self.failed_handshakes}
        elif op == "requests":
            with self.lock:
                return {"requests": list(self.log)}
        elif op == "reset":
            self.reset()
            with self.store.lock:
                self.store.creations = {}
        elif op == "simulate":
            self.simulator.configure(request)
        elif op == "creations":
            with self.store.lock:
                return {"creations": dict(self.store.creations)}
        elif op == "objects":
            group, _, version = request["apiVersion"].rpartition("/")
            with self.store.lock:
                resource = self.simulator.resource(group, request["kind"])
                if resource is None:
                    raise ValueError(f'no resource for {request["apiVersion"]} {request["kind"]}')
                return {"objects": [copy.deepcopy(obj) for key, obj in sorted(self.store.objects.items())
                                    if key[:2] == (group, resource.plural)]}
        elif op == "put":
            # Stores an object as a controller would (status included), past authorization and faults.
            obj = copy.deepcopy(request["object"])
            group, _, version = obj["apiVersion"].rpartition("/")
            with self.store.lock:
                resource = next((r for r in self.store.resources.values()
                                 if r.group == group and r.version == version and r.kind == obj["kind"]), None)
                if resource is None:
                    raise ValueError(f'no resource for {obj["apiVersion"]} {obj["kind"]}')
                metadata = obj.setdefault("metadata", {})
                namespace = metadata.get("namespace") if resource.namespaced else None
                key = (group, resource.plural, namespace or "", metadata["name"])
                current = self.store.objects.get(key)
                if current:
                    for field in ("uid", "creationTimestamp", "generation"):
                        metadata.setdefault(field, current["metadata"].get(field))
                return {"object": copy.deepcopy(self.store.write(resource, namespace, metadata["name"], obj))}
        elif op == "object":
            segments = [s for s in request["path"].split("/") if s]
            group, version = ("", segments[1]) if segments[0] == "api" else (segments[1], segments[2])
            rest = segments[2:] if segments[0] == "api" else segments[3:]
            namespace = rest[1] if rest[0] == "namespaces" and len(rest) == 4 else ""
            plural, name = rest[-2], rest[-1]
            with self.store.lock:
                obj = self.store.objects.get((group, plural, namespace, name))
                return {"object": copy.deepcopy(obj)}
        else:
            raise ValueError(f"unknown op {op!r}")
        return {}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cert", required=True, help="the server's certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="the server's private key (PEM)")
    parser.add_argument("--client-ca", required=True, help="the CA that signs client certificates (PEM)")
    args = parser.parse_args()

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    tls.load_verify_locations(args.client_ca)
    tls.verify_mode = ssl.CERT_OPTIONAL
    tls.set_alpn_protocols(["http/1.1"])
    # Tokens come through the control channel, never the command line (which `ps` shows).
    server = Server(tls, {})
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = dict(server.control(json.loads(line)), ok=True)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
