#!/usr/bin/env python3
"""Structural checks of template.yaml (and samconfig.toml) that cfn-lint cannot know about.

Run by scripts/lint-infra with the venv's python (needs cfn-lint for its YAML loader, which
understands the CloudFormation short tags !Ref, !Sub, !If, ...). Prints every violation and
exits 1 if there is any; prints a one-line summary and exits 0 otherwise.

    check-template.py [TEMPLATE]     check TEMPLATE (default: the repository's template.yaml)
    check-template.py --self-test    mutate template.yaml in known ways and require that each
                                     mutation is caught (proves the checks keep their strength)

The template declares each market once and generates its resources with AWS::LanguageExtensions
Fn::ForEach loops. This script first expands those loops locally the way CloudFormation does
(as cfn-lint models it): ${Id} is substituted in keys and in Fn::Sub strings, {"Ref": Id} is
replaced, Fn::FindInMap (with DefaultValue) is resolved from Mappings; plain strings and Fn::If
condition names are NOT substituted (CloudFormation leaves them as written, so a loop that
relies on that is a violation). Loops must sit where every tool expands them - at the top of
Conditions/Resources/Outputs, of a loop body, or of a resource's Properties (SAM CLI's local
expansion stops there). The template is expanded once per environment - template defaults
and every samconfig.toml environment - and each expansion must pass the per-market
assertions below (the reviewers' list):
  - markets: functions/*/Cargo.toml = Mappings.Markets = the Markets parameter's default; one
    AWS::Serverless::Function per market, named <market>Collector, CodeUri functions/<market>,
    Metadata.BuildMethod rust-cargolambda (no BuildProperties.Binary but the crate's own),
    SELLERBOX_MARKET=<market>
  - functions: provided.al2023, bootstrap, x86_64, VpcConfig, alias live, a DeploymentPreference
    whose alarm is the market's Errors alarm on its function, ReservedConcurrentExecutions
  - every function logs (Globals or own LoggingConfig) to the ONE AWS::Logs::LogGroup, as JSON
  - every schedule has ScheduleExpressionTimezone Asia/Seoul and invokes the live alias; one
    per market and kind (not per shard): orders every 10 min, reviews and inquiries every 30
    min, settlements daily, a daily 7-day orders reconciliation; every Input carries the
    firing's time ("scheduled": "<aws.scheduler.scheduled-time>") and no shard, and no market
    row sets a shard count (the firing plans its shards); the function knows its own live
    alias (SELLERBOX_SHARD_FUNCTION) and may invoke it and nothing else
  - a NAT gateway whose EIP is output as EgressIp
  - each function's Secrets Manager access is scoped to sellerbox/<its market>/* (+ DB secret),
    and it writes only sellerbox/<its market>/*/session* (PutSecretValue, CreateSecret)
  - API: IAM default auth (InvokeRole NONE), events merged (MergeDefinitions), AlwaysDeploy, a
    canary setting; per market and environment, while the market is
    on Lambda (not in that environment's Mappings.LegacyApi row) its function carries the five
    Api events (POST collect, POST verify, GET status, POST 2fa, POST session on
    /v1/markets/<market>/sellers/{seller}/)
    on CollectorsApi, and while it is on legacy it carries none, and the API's greedy
    /v1/markets/{proxy+} route proxies any method to ${LegacyBaseUrl}/v1/markets/{proxy} (a
    mock 404 without LegacyBaseUrl); an API invoke permission on each market's live alias;
    and SAM CLI's own expansion, run through the SAM translator, gives each environment a
    RestApi with exactly those routes (IAM auth, invoking the live alias, not with the caller's
    credentials) and schedules on every market's alias
  - outputs EgressIp, ApiUrl, <market>CollectorArn, the log group name
  - samconfig.toml: every parameter_overrides key is a template parameter with an allowed value
    (each item of a CommaDelimitedList); an environment with legacy markets sets LegacyBaseUrl
"""

import copy
import glob
import json
import os
import re
import sys
import tempfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

try:
    from cfnlint.decode import decode
except ImportError:
    sys.exit("check-template: cfn-lint is not installed in this python (run scripts/lint-infra)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMCONFIG = os.path.join(ROOT, "samconfig.toml")
FOREACH = "Fn::ForEach::"
ROUTES = (
    ("Collect", "collect", "post"),
    ("Verify", "verify", "post"),
    ("Status", "status", "get"),
    ("TwoFactor", "2fa", "post"),
    ("SessionImport", "session", "post"),
)
# What a function may do to its market's seller-center sessions (and nothing else it writes).
SESSION_WRITES = {"secretsmanager:putsecretvalue", "secretsmanager:createsecret"}
SCHEDULE_KINDS = ("orders", "reviews", "inquiries", "settlements")
# EventBridge Scheduler's context attribute: the firing's scheduled time, the same on every
# delivery of that firing.
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"


def plain(node):
    """cfn-lint's decoded nodes (dict_node, str_node, ...) as plain Python values."""
    return json.loads(json.dumps(node, default=str))


def sub_text(value):
    """The template string of a Fn::Sub (short or long form), or a plain string, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        s = value["Fn::Sub"]
        return s[0] if isinstance(s, list) else s
    return None


def refs_in(value):
    """Every logical name referenced by Ref / GetAtt / ${...} anywhere inside value."""
    found = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v.split(".")[0])  # SAM's !Ref Fn.Alias names Fn
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                if isinstance(v, list) and len(v) > 1:
                    found |= refs_in(v[1])
            else:
                found |= refs_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs_in(v)
    return found


DAILY_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")


def every_minutes(expr):
    """Period in minutes of a rate() or regular-minutes cron(), None when not periodic that way."""
    m = re.match(r"^rate\((\d+) minutes?\)$", expr)
    if m:
        return int(m.group(1))
    m = re.match(r"^rate\((\d+) hours?\)$", expr)
    if m:
        return 60 * int(m.group(1))
    m = re.match(r"^cron\(([\d,/*]+) \* \* \* \? \*\)$", expr)
    if m:
        minutes = m.group(1)
        if "/" in minutes:
            return int(minutes.split("/")[1])
        mins = sorted(int(x) for x in minutes.split(","))
        gaps = {(b - a) for a, b in zip(mins, mins[1:] + [mins[0] + 60])}
        return gaps.pop() if len(gaps) == 1 else None
    return None


# ------------------------------------------------------------------------------------------------
# Fn::ForEach expansion (AWS::LanguageExtensions), the way CloudFormation does it
# ------------------------------------------------------------------------------------------------
class Expander:
    def __init__(self, tpl, params):
        self.tpl = tpl
        self.params = params  # name -> str, or list for CommaDelimitedList
        self.mappings = tpl.get("Mappings", {})
        self.problems = []
        self.reserved = set(tpl.get("Parameters", {})) | {
            k for k in tpl.get("Resources", {}) if not k.startswith(FOREACH)
        }

    def problem(self, msg):
        if msg not in self.problems:
            self.problems.append(msg)

    def template(self):
        out = copy.deepcopy(self.tpl)
        for section in ("Conditions", "Resources", "Outputs"):
            if section in out:
                out[section] = self.section(out[section], {}, section)
        for lid, res in out.get("Resources", {}).items():
            if isinstance(res, dict) and isinstance(res.get("Properties"), dict):
                res["Properties"] = self.section(res["Properties"], {}, f"{lid}.Properties")
        self.leftovers(out, "")
        return out

    def section(self, mapping, env, where):
        """Expand the loops at the top of mapping (and at the top of their bodies)."""
        result = {}
        for key, value in mapping.items():
            if not key.startswith(FOREACH):
                result[key] = value
                continue
            loop = key[len(FOREACH):]
            if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)):
                self.problem(f"{where}.{key}: Fn::ForEach needs [Identifier, Collection, {{OutputKey: OutputValue}}]")
                continue
            ident, coll, body = value
            for name, what in ((loop, "loop name"), (ident, "identifier")):
                if name in self.reserved:
                    self.problem(f"{where}.{key}: {what} {name!r} conflicts with a parameter or resource")
            if ident in env:
                self.problem(f"{where}.{key}: identifier {ident!r} already used by an enclosing loop")
            items = self.collection(coll, f"{where}.{key}")
            for item in items:
                inner = dict(env, **{ident: item})
                expanded = self.section(self.subst(body, {ident: item}), inner, f"{where}.{key}")
                for k, v in expanded.items():
                    if k in result:
                        self.problem(f"{where}.{key}: {k} generated twice")
                    result[k] = v
            for k in body:
                if not k.startswith(FOREACH) and f"${{{ident}}}" not in k and f"&{{{ident}}}" not in k:
                    self.problem(f"{where}.{key}: output key {k!r} does not contain ${{{ident}}}")
        return result

    def collection(self, coll, where):
        value = self.resolve(coll)
        if isinstance(value, dict) and list(value) == ["Ref"] and value["Ref"] in self.params:
            value = self.params[value["Ref"]]
        if isinstance(value, str):
            value = value.split(",")
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            self.problem(f"{where}: collection {coll!r} does not resolve to a list of strings")
            return []
        return value

    def subst(self, node, env):
        """Substitute loop identifiers as CloudFormation does; resolve what the transform resolves."""
        if isinstance(node, str):
            for ident in env:
                if f"${{{ident}}}" in node or f"&{{{ident}}}" in node:
                    self.problem(
                        f"plain string {node!r} names ${{{ident}}}: CloudFormation substitutes loop "
                        "identifiers only in keys and Fn::Sub strings (use !Sub)"
                    )
            return node
        if isinstance(node, list):
            return [self.subst(v, env) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Ref" and isinstance(arg, str):
                return env.get(arg, node)
            if fn == "Ref" and isinstance(arg, dict):
                inner = self.subst(arg, env)
                return {"Ref": inner}
            if fn == "Fn::Sub":
                return self.sub(arg, env)
            if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                cond = arg[0]
                if isinstance(cond, str) and any(f"${{{i}}}" in cond for i in env) or not isinstance(cond, str):
                    self.problem(f"Fn::If condition name {cond!r}: CloudFormation resolves nothing there inside Fn::ForEach")
                return {"Fn::If": [cond, self.subst(arg[1], env), self.subst(arg[2], env)]}
            if fn == "Fn::FindInMap":
                return self.find_in_map([self.subst(a, env) for a in arg]) if isinstance(arg, list) else node
        out = {}
        for k, v in node.items():
            out[self.subst_key(k, env)] = self.subst(v, env)
        return out

    @staticmethod
    def subst_key(key, env):
        for ident, value in env.items():
            key = key.replace(f"${{{ident}}}", value).replace(f"&{{{ident}}}", re.sub(r"[^0-9A-Za-z]", "", value))
        return key

    def sub(self, arg, env):
        text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) else (arg, {})
        if not isinstance(text, str):
            return {"Fn::Sub": arg}
        variables = {k: self.subst(v, env) for k, v in variables.items()}
        for ident, value in env.items():
            text = text.replace(f"${{{ident}}}", value)
        for k, v in list(variables.items()):
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                text = text.replace(f"${{{k}}}", str(v))
                del variables[k]
        if not re.search(r"\$\{[^!]", text):
            return text
        return {"Fn::Sub": [text, variables] if variables else text}

    def resolve(self, node):
        """Ref to a parameter and Fn::FindInMap, as the transform resolves them (collections, keys)."""
        if isinstance(node, dict) and list(node) == ["Fn::FindInMap"]:
            return self.find_in_map(node["Fn::FindInMap"])
        return node

    def key_value(self, key):
        key = self.resolve(key)
        if isinstance(key, dict) and list(key) == ["Ref"] and key["Ref"] in self.params:
            key = self.params[key["Ref"]]
        return key

    def find_in_map(self, args):
        if not (isinstance(args, list) and len(args) in (3, 4)):
            self.problem(f"Fn::FindInMap layout is incorrect: {args!r}")
            return {"Fn::FindInMap": args}
        keys = [self.key_value(a) for a in args[:3]]
        default = args[3].get("DefaultValue") if len(args) == 4 and isinstance(args[3], dict) else None
        if not all(isinstance(k, str) for k in keys):
            return {"Fn::FindInMap": args}  # resolved by CloudFormation at deploy time
        found = self.mappings.get(keys[0], {}).get(keys[1], {}).get(keys[2])
        if found is None:
            if len(args) == 4:
                return copy.deepcopy(default)
            self.problem(f"Fn::FindInMap {keys}: no such entry in Mappings")
            return {"Fn::FindInMap": args}
        return copy.deepcopy(found)

    def leftovers(self, node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and k.startswith(FOREACH):
                    self.problem(
                        f"{path}.{k}: Fn::ForEach nested below a resource's top-level Properties: "
                        "SAM CLI does not expand it (keep loops at a section's, a loop body's or Properties' top)"
                    )
                self.leftovers(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self.leftovers(v, f"{path}[{i}]")


# ------------------------------------------------------------------------------------------------
# The assertions, on one expanded template
# ------------------------------------------------------------------------------------------------
def check_expanded(tpl, raw, env_name, params, markets, fail):
    conditions = tpl.get("Conditions", {})
    resources = tpl.get("Resources", {})
    outputs = tpl.get("Outputs", {})
    gfn = tpl.get("Globals", {}).get("Function", {})
    mappings = tpl.get("Mappings", {})
    legacy_row = mappings.get("LegacyApi", {}).get(params.get("EnvironmentName", ""), {})

    def of_type(t):
        return {k: v for k, v in resources.items() if isinstance(v, dict) and v.get("Type") == t}

    # ---- markets and their functions ------------------------------------------------------
    functions = of_type("AWS::Serverless::Function")
    by_market = {}
    for lid, res in functions.items():
        code_uri = res.get("Properties", {}).get("CodeUri", gfn.get("CodeUri"))
        m = re.fullmatch(r"functions/([A-Za-z0-9_-]+)/?", str(code_uri))
        if not m:
            fail(f"{lid}: CodeUri must be functions/<market> (the crate's own folder), got {code_uri!r}")
            continue
        market = m.group(1)
        if market not in markets:
            fail(f"{lid}: CodeUri {code_uri} has no functions/{market}/Cargo.toml")
        if market in by_market:
            fail(f"{lid}: a second function for market {market} (also {by_market[market]})")
        by_market[market] = lid
    deployed = params.get("Markets", [])
    for market in deployed:
        if market not in by_market:
            fail(f"market {market} (Markets) has no AWS::Serverless::Function with CodeUri functions/{market}")

    # ---- globals ---------------------------------------------------------------------------
    for key, want in (("Runtime", "provided.al2023"), ("Handler", "bootstrap"), ("Architectures", ["x86_64"])):
        for lid, res in functions.items():
            got = res.get("Properties", {}).get(key, gfn.get(key))
            if got != want:
                fail(f"{lid}: {key} must be {want!r}, got {got!r}")
    log_groups = of_type("AWS::Logs::LogGroup")
    if len(log_groups) != 1:
        fail(f"exactly one AWS::Logs::LogGroup expected, found {sorted(log_groups)}")
    log_group = next(iter(log_groups), None)
    if log_group and "RetentionInDays" not in log_groups[log_group].get("Properties", {}):
        fail(f"{log_group}: RetentionInDays missing")

    schedules = of_type("AWS::Scheduler::Schedule")
    for slid, sched in schedules.items():
        if sched.get("Properties", {}).get("ScheduleExpressionTimezone") != "Asia/Seoul":
            fail(f"{slid}: ScheduleExpressionTimezone must be Asia/Seoul")
    names = [s.get("Properties", {}).get("Name") for s in schedules.values()]
    for name in sorted({json.dumps(n) for n in names if names.count(n) > 1}):
        fail(f"schedule Name {name} used twice")

    for market, lid in sorted(by_market.items()):
        res = functions[lid]
        props = res.get("Properties", {})
        row = mappings.get("Markets", {}).get(market)
        if lid != f"{market}Collector":
            fail(f"{lid}: market functions are named <market>Collector ({market}Collector)")
        if row is None:
            fail(f"{lid}: market {market} has no row in Mappings.Markets")
            row = {}

        if res.get("Metadata", {}).get("BuildMethod") != "rust-cargolambda":
            fail(f"{lid}: Metadata.BuildMethod must be rust-cargolambda")
        binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        if binary not in (None, f"sellerbox-{market}"):
            fail(f"{lid}: Metadata.BuildProperties.Binary {binary!r} is not the crate's binary sellerbox-{market} (sam build fails)")
        env = props.get("Environment", {}).get("Variables", {})
        if env.get("SELLERBOX_MARKET") != market:
            fail(f"{lid}: Environment.Variables.SELLERBOX_MARKET must be {market!r}, got {env.get('SELLERBOX_MARKET')!r}")
        if not props.get("VpcConfig", gfn.get("VpcConfig")):
            fail(f"{lid}: no VpcConfig (functions must leave through the NAT's Elastic IP)")
        if props.get("AutoPublishAlias", gfn.get("AutoPublishAlias")) != "live":
            fail(f"{lid}: AutoPublishAlias must be live (schedules, API and canary all use the alias)")
        alarms = of_type("AWS::CloudWatch::Alarm")
        preference = props.get("DeploymentPreference", gfn.get("DeploymentPreference"))
        if not preference:
            fail(f"{lid}: no DeploymentPreference (canary)")
        else:
            own = [
                a.get("Ref")
                for a in preference.get("Alarms", [])
                if isinstance(a, dict)
                and a.get("Ref") in alarms
                and alarms[a["Ref"]]["Properties"].get("MetricName") == "Errors"
                and {"Name": "FunctionName", "Value": {"Ref": lid}} in alarms[a["Ref"]]["Properties"].get("Dimensions", [])
            ]
            if not own:
                fail(f"{lid}: DeploymentPreference.Alarms needs the Errors alarm of {lid} (FunctionName = !Ref {lid})")
        reserved = props.get("ReservedConcurrentExecutions")
        if reserved is None:
            fail(f"{lid}: ReservedConcurrentExecutions missing (from Mappings.Markets ReservedConcurrency)")
        elif reserved != {"Fn::If": ["HasReservedConcurrency", row.get("ReservedConcurrency"), {"Ref": "AWS::NoValue"}]}:
            fail(f"{lid}: ReservedConcurrentExecutions must be !If [HasReservedConcurrency, <its ReservedConcurrency>, NoValue], got {reserved!r}")

        # logging: the one group, JSON
        logging = dict(gfn.get("LoggingConfig", {}))
        logging.update(props.get("LoggingConfig", {}))
        if logging.get("LogGroup") != {"Ref": log_group}:
            fail(f"{lid}: LoggingConfig.LogGroup must be !Ref {log_group}, got {logging.get('LogGroup')!r}")
        if logging.get("LogFormat") != "JSON":
            fail(f"{lid}: LoggingConfig.LogFormat must be JSON")

        # secrets: only sellerbox/<market>/* and the DB secret
        own = f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:sellerbox/{market}/*"
        sessions = f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:sellerbox/{market}/*/session*"
        saw_own = False
        for policy in props.get("Policies", []):
            if isinstance(policy, str):
                if "secret" in policy.lower():
                    fail(f"{lid}: managed policy {policy} grants secrets beyond sellerbox/{market}/*")
                continue
            if not isinstance(policy, dict):
                continue
            if "Statement" not in policy:
                for name in policy:
                    if "secret" in name.lower():
                        fail(f"{lid}: policy template {name} is not scoped to sellerbox/{market}/*")
                continue
            statements = policy["Statement"]
            for st in statements if isinstance(statements, list) else [statements]:
                actions = st.get("Action", [])
                actions = actions if isinstance(actions, list) else [actions]
                if not any(str(a).lower().startswith("secretsmanager:") or a == "*" for a in actions):
                    continue
                res_list = st.get("Resource", [])
                res_list = res_list if isinstance(res_list, list) else [res_list]
                for r in res_list:
                    if r == {"Ref": "DbSecretArn"}:
                        continue
                    if sub_text(r) == own:
                        saw_own = True
                        continue
                    if sub_text(r) == sessions and {str(a).lower() for a in actions} <= SESSION_WRITES:
                        continue
                    fail(f"{lid}: Secrets Manager resource {r!r} is not sellerbox/{market}/* or the DB secret")
        if not saw_own:
            fail(f"{lid}: no secretsmanager:GetSecretValue on {own}")

        # schedules: the Scheduler schedules that invoke this function's alias (and any
        # ScheduleV2 events of the function itself)
        entries = []
        for slid, sched in schedules.items():
            sp = sched.get("Properties", {})
            target = sp.get("Target", {})
            if lid not in refs_in(target.get("Arn")):
                continue
            if target.get("Arn") != {"Ref": f"{lid}.Alias"}:
                fail(f"{slid}: Target.Arn must be the live alias (!Ref {lid}.Alias), got {target.get('Arn')!r}")
            if "RoleArn" not in target:
                fail(f"{slid}: Target.RoleArn missing")
            entries.append((slid, sp, target.get("Input")))
        events = {n: e for n, e in props.get("Events", {}).items() if isinstance(e, dict)}
        for ename, ev in events.items():
            if ev.get("Type") == "Schedule":
                fail(f"{lid}.{ename}: use EventBridge Scheduler (time zones), not Schedule")
            if ev.get("Type") == "ScheduleV2":
                ep = ev.get("Properties", {})
                if ep.get("ScheduleExpressionTimezone") != "Asia/Seoul":
                    fail(f"{lid}.{ename}: ScheduleExpressionTimezone must be Asia/Seoul")
                entries.append((f"{lid}.{ename}", ep, ep.get("Input")))
        if "Shards" in row:
            fail(f"{lid}: Mappings.Markets.{market}.Shards: shards follow the sellers (planned at each firing), no hand-set count")
        seen = {}  # (kind, lookback) -> expression
        for where, sp, raw_input in entries:
            if sp.get("State") not in (None, "ENABLED"):
                fail(f"{where}: State must be ENABLED, got {sp.get('State')!r}")
            text = sub_text(raw_input)
            if text is None or re.search(r"\$\{", text):
                fail(f"{where}: Input must be a JSON string, got {raw_input!r}")
                continue
            try:
                payload = json.loads(text)
            except ValueError as e:
                fail(f"{where}: Input is not JSON ({e})")
                continue
            if "shard" in payload:
                fail(f"{where}: a schedule carries no shard (the firing plans and starts its shards), got {payload['shard']!r}")
            if payload.get("scheduled") != SCHEDULED_TIME:
                fail(f"{where}: Input.scheduled must be {SCHEDULED_TIME!r} (a redelivered firing is known by it), got {payload.get('scheduled')!r}")
            for kind in payload.get("kinds", []):
                key = (kind, payload.get("lookback"))
                if key in seen:
                    fail(f"{where}: a second schedule for {key}")
                seen[key] = sp.get("ScheduleExpression", "")
        orders = seen.get(("orders", None))
        if orders is None or every_minutes(orders) != 10:
            fail(f"{lid}: orders must run every 10 minutes, got {orders!r}")
        for kind in ("reviews", "inquiries"):
            expr = seen.get((kind, None))
            if expr is None or every_minutes(expr) != 30:
                fail(f"{lid}: {kind} must run every 30 minutes, got {expr!r}")
        expr = seen.get(("settlements", None))
        if expr is None or not DAILY_CRON.match(expr):
            fail(f"{lid}: settlements must run daily (cron(M H * * ? *)), got {expr!r}")
        expr = seen.get(("orders", "7d"))
        if expr is None or not DAILY_CRON.match(expr):
            fail(f"{lid}: a daily 7-day orders reconciliation (lookback 7d) is missing, got {expr!r}")
        extra = [k for k in seen if k[1] not in (None, "7d") or k[0] not in SCHEDULE_KINDS]
        if extra:
            fail(f"{lid}: unexpected schedules {extra}")

        # shards: the function starts its own live alias, and only that
        own_alias = f"sellerbox-${{EnvironmentName}}-{market}:live"
        shard_fn = sub_text(props.get("Environment", {}).get("Variables", {}).get("SELLERBOX_SHARD_FUNCTION"))
        if shard_fn != own_alias:
            fail(f"{lid}: Environment SELLERBOX_SHARD_FUNCTION must be !Sub {own_alias}, got {shard_fn!r}")
        invokes = []
        for pol in props.get("Policies", []):
            for st in (pol.get("Statement", []) if isinstance(pol, dict) else []):
                actions = st.get("Action", [])
                actions = actions if isinstance(actions, list) else [actions]
                if any(str(a).lower().startswith("lambda:") for a in actions):
                    res = st.get("Resource", [])
                    invokes += [sub_text(r) for r in (res if isinstance(res, list) else [res])]
        want_arn = f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{own_alias}"
        if invokes != [want_arn]:
            fail(f"{lid}: lambda:InvokeFunction must be allowed on its own live alias only ({want_arn}), got {invokes!r}")

        # API routes: the market's own five while it is on Lambda, none while legacy
        api_events = {n: e for n, e in events.items() if e.get("Type") == "Api"}
        on_lambda = market not in legacy_row
        for ename, action, method in ROUTES:
            ev = api_events.pop(ename, None)
            path = f"/v1/markets/{market}/sellers/{{seller}}/{action}"
            if not on_lambda:
                if ev is not None:
                    fail(f"{lid}.{ename}: {market}'s API is on the legacy backend here (Mappings.LegacyApi), yet it has a Lambda route")
                continue
            if ev is None:
                fail(f"{lid}: Api event {ename} ({method.upper()} {path}) missing")
                continue
            ep = ev.get("Properties", {})
            if ep.get("Path") != path or str(ep.get("Method", "")).lower() != method:
                fail(f"{lid}.{ename}: must be {method.upper()} {path}, got {str(ep.get('Method')).upper()} {ep.get('Path')!r}")
            if ep.get("RestApiId") != {"Ref": "CollectorsApi"}:
                fail(f"{lid}.{ename}: RestApiId must be !Ref CollectorsApi")
            if "Auth" in ep:
                fail(f"{lid}.{ename}: no per-route Auth (the API's default AWS_IAM applies)")
        for stray in sorted(api_events):
            fail(f"{lid}: unexpected Api event {stray}")

        perms = [
            k
            for k, v in of_type("AWS::Lambda::Permission").items()
            if v["Properties"].get("Principal") == "apigateway.amazonaws.com"
            and lid in refs_in(v["Properties"].get("FunctionName"))
        ]
        if not perms:
            fail(f"{lid}: no AWS::Lambda::Permission letting API Gateway invoke it")
        for p in perms:
            pp = resources[p]["Properties"]
            if pp["FunctionName"] != {"Ref": f"{lid}.Alias"}:
                fail(f"{p}: the API invoke permission must be on the live alias (!Ref {lid}.Alias)")
            if not str(sub_text(pp.get("SourceArn"))).endswith(f"/v1/markets/{market}/*"):
                fail(f"{p}: SourceArn must end with /v1/markets/{market}/*, got {pp.get('SourceArn')!r}")

        # outputs
        if not any(o.get("Value") == {"Fn::GetAtt": [lid, "Arn"]} for o in outputs.values()):
            fail(f"no output with {lid}'s ARN (!GetAtt {lid}.Arn)")

    for market in legacy_row:
        if market not in mappings.get("Markets", {}):
            fail(f"Mappings.LegacyApi.{params.get('EnvironmentName')}: {market} is not a market")

    # ---- API ---------------------------------------------------------------------------------
    apis = of_type("AWS::Serverless::Api")
    if len(apis) != 1:
        fail(f"exactly one AWS::Serverless::Api expected, found {sorted(apis)}")
    for alid, api in apis.items():
        ap = api.get("Properties", {})
        if ap.get("Auth", {}).get("DefaultAuthorizer") != "AWS_IAM":
            fail(f"{alid}: Auth.DefaultAuthorizer must be AWS_IAM")
        if ap.get("Auth", {}).get("InvokeRole") != "NONE":
            fail(f"{alid}: Auth.InvokeRole must be NONE (invoke under the permission, not the caller's credentials)")
        if ap.get("MergeDefinitions") is not True:
            fail(f"{alid}: MergeDefinitions must be true (else SAM drops the functions' Api events)")
        canary = ap.get("CanarySetting")
        if isinstance(canary, dict) and "Fn::If" in canary:
            canary = canary["Fn::If"][1]
        if not isinstance(canary, dict) or "PercentTraffic" not in canary:
            fail(f"{alid}: CanarySetting with PercentTraffic missing")
        if "StageName" not in ap:
            fail(f"{alid}: StageName missing")
        if ap.get("AlwaysDeploy") is not True:
            fail(f"{alid}: AlwaysDeploy must be true (a flipped market must reach the stage)")
        paths = ap.get("DefinitionBody", {}).get("paths", {})
        for p in paths:
            if re.match(r"^/v1/markets/[^{/]+/", p):
                fail(f"{alid}: literal market route {p} in DefinitionBody (a market's routes are its function's Api events)")
        op = paths.get("/v1/markets/{proxy+}", {}).get("x-amazon-apigateway-any-method")
        where = f"{alid} ANY /v1/markets/{{proxy+}}"
        if op is None:
            fail(f"{where}: the legacy route is missing")
            continue
        integ = op.get("x-amazon-apigateway-integration", {})
        branches = integ.get("Fn::If") if isinstance(integ, dict) else None
        if not branches or branches[0] != "HasLegacyBackend":
            fail(f"{where}: integration must be !If [HasLegacyBackend, <legacy>, <mock 404>]")
            continue
        if conditions.get("HasLegacyBackend") != {"Fn::Not": [{"Fn::Equals": [{"Ref": "LegacyBaseUrl"}, ""]}]}:
            fail("condition HasLegacyBackend must be !Not [!Equals [!Ref LegacyBaseUrl, \"\"]]")
        legacy, mock = branches[1], branches[2]
        want = "${LegacyBaseUrl}/v1/markets/{proxy}"
        if legacy.get("type") != "http_proxy" or sub_text(legacy.get("uri")) != want or legacy.get("httpMethod") != "ANY":
            fail(f"{where}: legacy branch must be http_proxy ANY to {want}, got {legacy.get('uri')!r}")
        if legacy.get("requestParameters", {}).get("integration.request.path.proxy") != "method.request.path.proxy":
            fail(f"{where}: legacy branch must pass the path on (integration.request.path.proxy)")
        if mock.get("type") != "mock" or "404" not in json.dumps(mock):
            fail(f"{where}: without LegacyBaseUrl the route must be a mock 404")

    # ---- network -----------------------------------------------------------------------------
    eips = of_type("AWS::EC2::EIP")
    nats = of_type("AWS::EC2::NatGateway")
    if len(nats) != 1:
        fail(f"exactly one NAT gateway expected (one egress address for sellers), found {sorted(nats)}")
    for nlid, nat in nats.items():
        alloc = nat.get("Properties", {}).get("AllocationId")
        if not (isinstance(alloc, dict) and alloc.get("Fn::GetAtt", [None])[0] in eips):
            fail(f"{nlid}: AllocationId must be !GetAtt <EIP>.AllocationId of the template's EIP")
    egress = outputs.get("EgressIp")
    if not egress:
        fail("output EgressIp missing")
    elif not (refs_in(egress.get("Value")) & set(eips)):
        fail("output EgressIp must be the NAT gateway's Elastic IP")
    if "ApiUrl" not in outputs:
        fail("output ApiUrl missing")
    if log_group and not any(o.get("Value") == {"Ref": log_group} for o in outputs.values()):
        fail(f"no output with the log group name (!Ref {log_group})")
    return by_market, len(schedules)


# ------------------------------------------------------------------------------------------------
# SAM CLI's own expansion, through the SAM translator (what CloudFormation runs after the
# language extensions): the REST API each environment really gets
# ------------------------------------------------------------------------------------------------
def check_translated(template_path, params, markets_on_lambda, fail):
    try:
        import logging

        from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
        from samcli.yamlhelper import yaml_parse
        from samtranslator.translator.transform import transform
    except ImportError as e:
        fail(f"cannot run SAM CLI's expansion and the SAM translator here ({e})")
        return
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    logging.getLogger("samcli").setLevel(logging.CRITICAL)

    class Policies:  # managed policy ARNs, which `sam validate` would ask IAM for
        @staticmethod
        def load():
            base = "arn:aws:iam::aws:policy/service-role/"
            return {n: base + n for n in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")}

    values = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
    values.setdefault("DbSecretArn", "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-AbCdEf")
    values.setdefault("DbEndpoint", "db.example.com")
    try:
        with open(template_path, encoding="utf-8") as f:
            raw = yaml_parse(f.read())
        expanded = expand_language_extensions(raw, values, enabled=True).expanded_template
        for lid, res in expanded.get("Resources", {}).items():
            if res.get("Type") == "AWS::Serverless::Function":
                res["Properties"]["CodeUri"] = f"s3://bucket/{lid}.zip"  # what sam package leaves
        expanded["Transform"] = "AWS::Serverless-2016-10-31"
        out = transform(expanded, values, Policies())
    except Exception as e:  # noqa: BLE001 - any failure of either tool is the finding
        fail(f"SAM CLI's expansion + SAM translator: {type(e).__name__}: {e}")
        return
    apis = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    if len(apis) != 1:
        fail(f"SAM translator: one AWS::ApiGateway::RestApi expected, got {len(apis)}")
        return
    paths = apis[0]["Properties"].get("Body", {}).get("paths", {})
    want = {"/v1/markets/{proxy+}": "x-amazon-apigateway-any-method"}
    for market in markets_on_lambda:
        for _, action, method in ROUTES:
            want[f"/v1/markets/{market}/sellers/{{seller}}/{action}"] = method
    if sorted(paths) != sorted(want):
        fail(f"SAM translator: the RestApi has routes {sorted(paths)}, expected {sorted(want)}")
    for path, method in want.items():
        op = paths.get(path, {}).get(method)
        if op is None:
            continue
        if op.get("security") != [{"AWS_IAM": []}]:
            fail(f"SAM translator: {method.upper()} {path} is not IAM-authorized")
        integ = op.get("x-amazon-apigateway-integration", {})
        if "credentials" in json.dumps(integ):
            fail(f"SAM translator: {method.upper()} {path} invokes with the caller's credentials")
        market = path.split("/")[3]
        if market != "{proxy+}" and f"${{{market}CollectorAliaslive}}" not in json.dumps(integ):
            fail(f"SAM translator: {method.upper()} {path} does not invoke {market}Collector's live alias")
    schedules = [r for r in out["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    aliases = {json.dumps(r["Properties"]["Target"]["Arn"]) for r in schedules}
    for market in params.get("Markets", []):
        if json.dumps({"Ref": f"{market}CollectorAliaslive"}) not in aliases:
            fail(f"SAM translator: no schedule invokes {market}Collector's live alias")


# ------------------------------------------------------------------------------------------------
def parameter_values(tpl, overrides):
    values = {}
    for name, p in tpl.get("Parameters", {}).items():
        value = overrides.get(name, p.get("Default"))
        if value is None:
            continue
        value = str(value) if not isinstance(value, str) else value
        values[name] = [v.strip() for v in value.split(",")] if p.get("Type") == "CommaDelimitedList" else value
    return values


def samconfig_envs():
    if not (tomllib and os.path.exists(SAMCONFIG)):
        return None
    with open(SAMCONFIG, "rb") as f:
        return tomllib.load(f)


def overrides_of(cfg, env):
    deploy = cfg.get(env, {}).get("deploy", {}).get("parameters", {})
    items = deploy.get("parameter_overrides", [])
    if isinstance(items, str):
        items = items.split()
    return dict(item.partition("=")[::2] for item in items)


def check(template_path, translate=True):
    """Every violation of template_path (and samconfig.toml), and a summary line."""
    errors = {}

    def failer(scope):
        def fail(msg):
            errors.setdefault(msg, [])
            if scope not in errors[msg]:
                errors[msg].append(scope)
        return fail

    raw, matches = decode(template_path)
    if raw is None:
        return [f"template does not parse: {m}" for m in matches], ""
    raw = plain(raw)
    params_decl = raw.get("Parameters", {})
    markets = sorted(
        os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "functions", "*", "Cargo.toml"))
    )
    fail = failer("template")
    if not markets:
        fail("no functions/*/Cargo.toml found: nothing to check against")
    rows = sorted(raw.get("Mappings", {}).get("Markets", {}))
    if rows != markets:
        fail(f"Mappings.Markets rows {rows} must be the crates functions/*: {markets}")
    default_markets = sorted(str(params_decl.get("Markets", {}).get("Default", "")).split(","))
    if default_markets != markets:
        fail(f"parameter Markets must default to every market {markets}, got {default_markets}")
    for env in raw.get("Mappings", {}).get("LegacyApi", {}):
        if env not in params_decl.get("EnvironmentName", {}).get("AllowedValues", []):
            fail(f"Mappings.LegacyApi.{env}: not an EnvironmentName")

    cfg = samconfig_envs()
    scopes = [("template defaults", {})]
    if cfg is not None:
        scopes += [(f"samconfig [{env}]", overrides_of(cfg, env)) for env in ("default", "dev", "prod")]
    summary = ""
    for scope, overrides in scopes:
        fail = failer(scope)
        params = parameter_values(raw, overrides)
        expander = Expander(raw, params)
        tpl = expander.template()
        for p in expander.problems:
            fail(p)
        by_market, n_schedules = check_expanded(tpl, raw, scope, params, markets, fail)
        if translate and not expander.problems:
            legacy = raw.get("Mappings", {}).get("LegacyApi", {}).get(params.get("EnvironmentName"), {})
            check_translated(template_path, params, [m for m in params.get("Markets", []) if m not in legacy], fail)
        if scope == "template defaults":
            summary = f"{len(by_market)} markets: {', '.join(sorted(by_market))}; {n_schedules} schedules"

    # ---- samconfig.toml ----------------------------------------------------------------------
    if cfg is not None:
        for env in ("default", "dev", "prod"):
            fail = failer(f"samconfig [{env}]")
            deploy = cfg.get(env, {}).get("deploy", {}).get("parameters", {})
            if not deploy:
                fail(f"samconfig.toml: [{env}.deploy.parameters] missing")
                continue
            overrides = overrides_of(cfg, env)
            for key, value in overrides.items():
                if key not in params_decl:
                    fail(f"samconfig.toml: {key} is not a template parameter")
                    continue
                decl = params_decl[key]
                items = value.split(",") if decl.get("Type") == "CommaDelimitedList" else [value]
                allowed = [str(v) for v in decl.get("AllowedValues", [])]
                pattern = decl.get("AllowedPattern")
                for item in items:
                    if allowed and item not in allowed:
                        fail(f"samconfig.toml: {key}={value}: {item!r} not in {allowed}")
                    if pattern and not re.fullmatch(pattern, item):
                        fail(f"samconfig.toml: {key}={value}: {item!r} does not match {pattern}")
            for market in overrides.get("Markets", "").split(",") if "Markets" in overrides else []:
                if market not in raw.get("Mappings", {}).get("Markets", {}):
                    fail(f"samconfig.toml: Markets names {market}, which has no row in Mappings.Markets")
            env_name = overrides.get("EnvironmentName", params_decl.get("EnvironmentName", {}).get("Default"))
            legacy = raw.get("Mappings", {}).get("LegacyApi", {}).get(env_name, {})
            if legacy and not overrides.get("LegacyBaseUrl"):
                fail(f"samconfig.toml: EnvironmentName={env_name} keeps {sorted(legacy)} on the legacy API but sets no LegacyBaseUrl")
            if deploy.get("capabilities") != "CAPABILITY_IAM":
                fail("samconfig.toml: capabilities must be CAPABILITY_IAM")
            if cfg.get(env, {}).get("global", {}).get("parameters", {}).get("region") != "ap-northeast-2":
                fail("samconfig.toml: region must be ap-northeast-2")
            if cfg.get(env, {}).get("global", {}).get("parameters", {}).get("language_extensions") is not True:
                fail("samconfig.toml: global language_extensions = true needed (sam build must expand Fn::ForEach)")

    return [f"{msg} (in {', '.join(scopes_)})" for msg, scopes_ in errors.items()], summary


# ------------------------------------------------------------------------------------------------
# --self-test: mutations of template.yaml that must each be caught
# ------------------------------------------------------------------------------------------------
MUTATIONS = [
    # (what, old text, new text, a fragment of the expected violation)
    ("drop a schedule from the loop", "[Orders, Reviews, Inquiries, Settlements, Reconcile]",
     "[Orders, Reviews, Settlements, Reconcile]", "inquiries must run every 30 minutes"),
    ("slow one market's orders", "Title: Naver SmartStore\n      # Per-APPLICATION limits (one bucket shared by every seller): cap the containers.\n      ReservedConcurrency: \"3\"\n      Orders: rate(10 minutes)",
     "Title: Naver SmartStore\n      # Per-APPLICATION limits (one bucket shared by every seller): cap the containers.\n      ReservedConcurrency: \"3\"\n      Orders: rate(15 minutes)",
     "naverCollector: orders must run every 10 minutes"),
    ("make settlements hourly", "Settlements: cron(0 6 * * ? *)", "Settlements: rate(1 hour)", "settlements must run daily"),
    ("drop the reconciliation lookback", "Command: '\"kinds\":[\"orders\"],\"lookback\":\"7d\"'",
     "Command: '\"kinds\":[\"orders\"]'", "a second schedule for ('orders', None"),
    ("break the secrets scope", "secret:sellerbox/${Market}/*", "secret:sellerbox/*", "is not sellerbox/coupang/*"),
    ("another market's secrets", "secret:sellerbox/${Market}/*", "secret:sellerbox/naver/*", "is not sellerbox/coupang/*"),
    ("a plain string where !Sub is needed", "CodeUri: !Sub functions/${Market}", "CodeUri: functions/${Market}",
     "plain string 'functions/${Market}'"),
    ("a wrong route path", "sellers/{seller}/verify\"}", "seller/{seller}/verify\"}", "must be POST /v1/markets/coupang/sellers/{seller}/verify"),
    ("a wrong route method", "Method: get, Path", "Method: post, Path", "must be GET /v1/markets/coupang/sellers/{seller}/status"),
    ("a hand-set shard count", "      Title: Coupang\n", "      Title: Coupang\n      Shards: \"2\"\n", "no hand-set count"),
    ("a schedule per shard", "'{${Command},\"scheduled\":\"<aws.scheduler.scheduled-time>\"}'",
     "'{${Command},\"scheduled\":\"<aws.scheduler.scheduled-time>\",\"shard\":{\"index\":0,\"count\":1}}'", "a schedule carries no shard"),
    ("a firing without its time", "\"scheduled\":\"<aws.scheduler.scheduled-time>\"}'", "\"scheduled\":\"now\"}'", "Input.scheduled must be"),
    ("invoking any function", "function:sellerbox-${EnvironmentName}-${Market}:live\n", "function:*\n", "lambda:InvokeFunction must be allowed on its own live alias only"),
    ("a shard function of another market", "SELLERBOX_SHARD_FUNCTION: !Sub sellerbox-${EnvironmentName}-${Market}:live", "SELLERBOX_SHARD_FUNCTION: !Sub sellerbox-${EnvironmentName}-naver:live", "SELLERBOX_SHARD_FUNCTION must be"),
    ("another time zone", "ScheduleExpressionTimezone: Asia/Seoul", "ScheduleExpressionTimezone: UTC", "must be Asia/Seoul"),
    ("schedules on the function, not its alias", "Arn: {Ref: !Sub \"${Market}Collector.Alias\"}", "Arn: !GetAtt [!Sub \"${Market}Collector\", Arn]",
     "Target.Arn must be the live alias"),
    ("the permission of another market", ":${CollectorsApi}/*/*/v1/markets/${Market}/*", ":${CollectorsApi}/*/*/v1/markets/*",
     "SourceArn must end with /v1/markets/coupang/*"),
    ("a legacy market that keeps its Lambda routes", "lambda: {Properties: [Events]}\n    legacy: {Properties: []}",
     "lambda: {Properties: [Events]}\n    legacy: {Properties: [Events]}", "yet it has a Lambda route"),
    ("no market ever on Lambda", "lambda: {Properties: [Events]}", "lambda: {Properties: []}", "Api event Collect (POST /v1/markets/coupang"),
    ("the legacy route to another path", "uri: !Sub ${LegacyBaseUrl}/v1/markets/{proxy}", "uri: !Sub ${LegacyBaseUrl}/{proxy}",
     "legacy branch must be http_proxy ANY"),
    ("a legacy switch naming no market", "prod: {coupang: legacy, naver: legacy}", "prod: {coupang: legacy, elevenst: legacy}",
     "elevenst is not a market"),
    ("a per-market condition inside the loop", "ReservedConcurrentExecutions: !If [HasReservedConcurrency,",
     "ReservedConcurrentExecutions: !If [\"${Market}Reserved\",", "Fn::If condition name '${Market}Reserved'"),
    ("a market row without its crate", "  Markets:\n    coupang:\n", "  Markets:\n    elevenst: {Title: x}\n    coupang:\n",
     "Mappings.Markets rows"),
    ("the alarm of no function", "{Name: FunctionName, Value: {Ref: !Sub \"${Market}Collector\"}}", "{Name: FunctionName, Value: x}",
     "DeploymentPreference.Alarms needs the Errors alarm"),
    ("caller credentials for the integrations", "InvokeRole: NONE", "InvokeRole: CALLER_CREDENTIALS", "InvokeRole must be NONE"),
    ("events not merged into the definition", "MergeDefinitions: true", "MergeDefinitions: false", "MergeDefinitions must be true"),
    ("a binary the crate does not have", "          BuildMethod: rust-cargolambda\n",
     "          BuildMethod: rust-cargolambda\n          BuildProperties: {Binary: bootstrap}\n", "is not the crate's binary"),
    ("JSON logs off", "LogFormat: JSON", "LogFormat: Text", "LogFormat must be JSON"),
    ("a loop named like a parameter", "Fn::ForEach::MarketResources:", "Fn::ForEach::Markets:", "conflicts with a parameter or resource"),
    ("a loop nested too deep", "            - ${Property}:\n                Collect:",
     "            - ${Property}:\n                Fn::ForEach::Deep: [X, [a], {\"${X}\": {}}]\n                Collect:", "nested below a resource's top-level Properties"),
]


def self_test():
    template = os.path.join(ROOT, "template.yaml")
    text = open(template, encoding="utf-8").read()
    errors, _ = check(template)
    if errors:
        for e in errors:
            print(f"check-template: FAIL: {e}", file=sys.stderr)
        sys.exit("check-template --self-test: the template itself does not pass")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for what, old, new, expect in MUTATIONS:
            if text.count(old) < 1:
                print(f"check-template --self-test: mutation {what!r}: text not found in template.yaml", file=sys.stderr)
                bad += 1
                continue
            path = os.path.join(tmp, "template.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
            found, _ = check(path, translate=False)
            if not any(expect in e for e in found):
                print(f"check-template --self-test: NOT CAUGHT: {what} (expected {expect!r}; got {found[:3]})", file=sys.stderr)
                bad += 1
            else:
                print(f"check-template --self-test: caught: {what}")
    n = len(MUTATIONS)
    if bad:
        sys.exit(f"check-template --self-test: {bad} of {n} mutations not caught")
    print(f"check-template --self-test: OK ({n} mutations caught)")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    # An optional argument checks another template (e.g. a mutated copy) against this repository.
    template = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "template.yaml")
    errors, summary = check(template)
    if errors:
        for e in errors:
            print(f"check-template: FAIL: {e}", file=sys.stderr)
        print(f"check-template: {len(errors)} violation(s)", file=sys.stderr)
        sys.exit(1)
    print(f"check-template: OK ({summary}; every samconfig.toml environment expanded and checked)")


if __name__ == "__main__":
    main()
