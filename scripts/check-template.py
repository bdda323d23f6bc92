#!/usr/bin/env python3
"""Structural checks of template.yaml (and samconfig.toml) that cfn-lint cannot know about.

Run by scripts/lint-infra with the venv's python (needs cfn-lint for its YAML loader, which
understands the CloudFormation short tags !Ref, !Sub, !If, ...). Prints every violation and
exits 1 if there is any; prints a one-line summary and exits 0 otherwise.

What it asserts (the reviewers' list):
  - one AWS::Serverless::Function per functions/*/Cargo.toml, CodeUri functions/<market>,
    Metadata.BuildMethod rust-cargolambda, SELLERBOX_MARKET=<market>, named <Market>Collector
  - Globals: provided.al2023, bootstrap, x86_64, VpcConfig
  - every function logs (Globals or own LoggingConfig) to the ONE AWS::Logs::LogGroup, as JSON
  - every schedule has ScheduleExpressionTimezone Asia/Seoul; per market and shard: orders every
    10 min, reviews and inquiries every 30 min, settlements daily, a daily 7-day orders
    reconciliation; shard N>0 enabled by <Market>ShardNOn; Input carries the shard count
  - a NAT gateway whose EIP is output as EgressIp
  - each function's Secrets Manager access is scoped to sellerbox/<its market>/* (+ DB secret)
  - API: IAM default auth, a canary setting, the three routes per market, each integration an
    Fn::If on a per-market condition <Market>OnLambda between aws_proxy (its function) and
    http_proxy (${<Market>LegacyBaseUrl}/same path); an invoke permission per market
  - outputs EgressIp, ApiUrl, <Market>CollectorArn, the log group name
  - samconfig.toml: every parameter_overrides key is a template parameter with an allowed value
"""

import glob
import json
import os
import re
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

try:
    from cfnlint.decode import decode
except ImportError:
    sys.exit("check-template: cfn-lint is not installed in this python (run scripts/lint-infra)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# An optional argument checks another template (e.g. a mutated copy) against this repository.
TEMPLATE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "template.yaml")
SAMCONFIG = os.path.join(ROOT, "samconfig.toml")

errors = []


def fail(msg):
    errors.append(msg)


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


def main():
    tpl, matches = decode(TEMPLATE)
    if tpl is None:
        for m in matches:
            print(f"check-template: {m}", file=sys.stderr)
        sys.exit("check-template: template.yaml does not parse")
    tpl = plain(tpl)
    params = tpl.get("Parameters", {})
    conditions = tpl.get("Conditions", {})
    resources = tpl.get("Resources", {})
    outputs = tpl.get("Outputs", {})
    gfn = tpl.get("Globals", {}).get("Function", {})

    def of_type(t):
        return {k: v for k, v in resources.items() if v.get("Type") == t}

    # ---- markets and their functions ------------------------------------------------------
    markets = sorted(
        os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "functions", "*", "Cargo.toml"))
    )
    if not markets:
        fail("no functions/*/Cargo.toml found: nothing to check against")
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
    for market in markets:
        if market not in by_market:
            fail(f"functions/{market}/Cargo.toml has no AWS::Serverless::Function with CodeUri functions/{market}")

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

    for market, lid in sorted(by_market.items()):
        res = functions[lid]
        props = res.get("Properties", {})
        if not lid.endswith("Collector"):
            fail(f"{lid}: market functions are named <Market>Collector (per-market parameters key off it)")
        prefix = lid[: -len("Collector")]

        if res.get("Metadata", {}).get("BuildMethod") != "rust-cargolambda":
            fail(f"{lid}: Metadata.BuildMethod must be rust-cargolambda")
        env = props.get("Environment", {}).get("Variables", {})
        if env.get("SELLERBOX_MARKET") != market:
            fail(f"{lid}: Environment.Variables.SELLERBOX_MARKET must be {market!r}, got {env.get('SELLERBOX_MARKET')!r}")
        vpc = props.get("VpcConfig", gfn.get("VpcConfig"))
        if not vpc:
            fail(f"{lid}: no VpcConfig (functions must leave through the NAT's Elastic IP)")
        if props.get("AutoPublishAlias", gfn.get("AutoPublishAlias")) != "live":
            fail(f"{lid}: AutoPublishAlias must be live (schedules, API and canary all use the alias)")
        if "DeploymentPreference" not in props and "DeploymentPreference" not in gfn:
            fail(f"{lid}: no DeploymentPreference (canary)")
        if "ReservedConcurrentExecutions" not in props:
            fail(f"{lid}: ReservedConcurrentExecutions missing (from {prefix}ReservedConcurrency)")

        # logging: the one group, JSON
        logging = dict(gfn.get("LoggingConfig", {}))
        logging.update(props.get("LoggingConfig", {}))
        if logging.get("LogGroup") != {"Ref": log_group}:
            fail(f"{lid}: LoggingConfig.LogGroup must be !Ref {log_group}, got {logging.get('LogGroup')!r}")
        if logging.get("LogFormat") != "JSON":
            fail(f"{lid}: LoggingConfig.LogFormat must be JSON")

        # secrets: only sellerbox/<market>/* and the DB secret
        own = f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:sellerbox/{market}/*"
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
                    text = sub_text(r)
                    if r == {"Ref": "DbSecretArn"}:
                        continue
                    if text == own:
                        saw_own = True
                        continue
                    fail(f"{lid}: Secrets Manager resource {r!r} is not sellerbox/{market}/* or the DB secret")
        if not saw_own:
            fail(f"{lid}: no secretsmanager:GetSecretValue on {own}")

        # schedules
        count_param = f"{prefix}ShardCount"
        allowed = [str(v) for v in params.get(count_param, {}).get("AllowedValues", [])]
        if allowed != ["1", "2", "3", "4"]:
            fail(f"parameter {count_param} must allow 1..4, got {allowed}")
        seen = {}  # (kind, lookback, index) -> expression
        for ename, ev in props.get("Events", {}).items():
            etype = ev.get("Type")
            ep = ev.get("Properties", {})
            if etype == "Schedule":
                fail(f"{lid}.{ename}: use ScheduleV2 (EventBridge Scheduler has time zones), not Schedule")
                continue
            if etype != "ScheduleV2":
                continue
            if ep.get("ScheduleExpressionTimezone") != "Asia/Seoul":
                fail(f"{lid}.{ename}: ScheduleExpressionTimezone must be Asia/Seoul")
            text = sub_text(ep.get("Input"))
            if text is None:
                fail(f"{lid}.{ename}: Input must be a JSON string (!Sub with the shard count)")
                continue
            if f"${{{count_param}}}" not in text:
                fail(f"{lid}.{ename}: Input must carry shard.count from ${{{count_param}}}")
            try:
                payload = json.loads(re.sub(r"\$\{[^}]+\}", "1", text))
            except ValueError as e:
                fail(f"{lid}.{ename}: Input is not JSON ({e})")
                continue
            kinds = payload.get("kinds", [])
            shard = payload.get("shard", {})
            index = shard.get("index")
            if not isinstance(index, int):
                fail(f"{lid}.{ename}: Input.shard.index missing")
                continue
            state = ep.get("State")
            if index == 0:
                if state not in (None, "ENABLED"):
                    fail(f"{lid}.{ename}: shard 0 must always be enabled")
            else:
                want = {"Fn::If": [f"{prefix}Shard{index}On", "ENABLED", "DISABLED"]}
                if state != want:
                    fail(f"{lid}.{ename}: shard {index} State must be {want}, got {state!r}")
                if f"{prefix}Shard{index}On" not in conditions:
                    fail(f"condition {prefix}Shard{index}On missing")
            for kind in kinds:
                seen[(kind, payload.get("lookback"), index)] = ep.get("ScheduleExpression", "")
        shard_indices = sorted({i for (_, _, i) in seen})
        if shard_indices != [0, 1, 2, 3]:
            fail(f"{lid}: schedules for shards 0..3 expected (ShardCount up to 4), found {shard_indices}")
        for index in shard_indices:
            where = f"{lid} shard {index}"
            orders = seen.get(("orders", None, index))
            if orders is None or every_minutes(orders) != 10:
                fail(f"{where}: orders must run every 10 minutes, got {orders!r}")
            for kind in ("reviews", "inquiries"):
                expr = seen.get((kind, None, index))
                if expr is None or every_minutes(expr) != 30:
                    fail(f"{where}: {kind} must run every 30 minutes, got {expr!r}")
            expr = seen.get(("settlements", None, index))
            if expr is None or not DAILY_CRON.match(expr):
                fail(f"{where}: settlements must run daily (cron(M H * * ? *)), got {expr!r}")
            expr = seen.get(("orders", "7d", index))
            if expr is None or not DAILY_CRON.match(expr):
                fail(f"{where}: a daily 7-day orders reconciliation (lookback 7d) is missing, got {expr!r}")
            extra = [k for k in seen if k[2] == index and k[1] not in (None, "7d")]
            if extra:
                fail(f"{where}: unexpected lookbacks {extra}")

        # API switch
        cond = f"{prefix}OnLambda"
        if conditions.get(cond) != {"Fn::Equals": [{"Ref": f"{prefix}Backend"}, "lambda"]}:
            fail(f"condition {cond} must be !Equals [!Ref {prefix}Backend, lambda]")
        if sorted(params.get(f"{prefix}Backend", {}).get("AllowedValues", [])) != ["lambda", "legacy"]:
            fail(f"parameter {prefix}Backend must allow exactly lambda, legacy")
        if f"{prefix}LegacyBaseUrl" not in params:
            fail(f"parameter {prefix}LegacyBaseUrl missing")
        perms = [
            k
            for k, v in of_type("AWS::Lambda::Permission").items()
            if v["Properties"].get("Principal") == "apigateway.amazonaws.com"
            and lid in refs_in(v["Properties"].get("FunctionName"))
        ]
        if not perms:
            fail(f"{lid}: no AWS::Lambda::Permission letting API Gateway invoke it")
        elif not any(v == {"Ref": f"{lid}.Alias"} for v in (resources[p]["Properties"]["FunctionName"] for p in perms)):
            fail(f"{lid}: the API invoke permission must be on the live alias (!Ref {lid}.Alias)")

        # outputs
        if not any(refs_in(o.get("Value")) == {lid} and "Arn" in json.dumps(o.get("Value")) for o in outputs.values()):
            fail(f"no output with {lid}'s ARN")

    # ---- API ---------------------------------------------------------------------------------
    apis = of_type("AWS::Serverless::Api")
    if len(apis) != 1:
        fail(f"exactly one AWS::Serverless::Api expected, found {sorted(apis)}")
    for alid, api in apis.items():
        ap = api.get("Properties", {})
        if ap.get("Auth", {}).get("DefaultAuthorizer") != "AWS_IAM":
            fail(f"{alid}: Auth.DefaultAuthorizer must be AWS_IAM")
        canary = ap.get("CanarySetting")
        if isinstance(canary, dict) and "Fn::If" in canary:
            canary = canary["Fn::If"][1]
        if not isinstance(canary, dict) or "PercentTraffic" not in canary:
            fail(f"{alid}: CanarySetting with PercentTraffic missing")
        if "StageName" not in ap:
            fail(f"{alid}: StageName missing")
        paths = ap.get("DefinitionBody", {}).get("paths", {})
        for market, lid in sorted(by_market.items()):
            prefix = lid[: -len("Collector")]
            for action, method in (("collect", "post"), ("verify", "post"), ("status", "get")):
                path = f"/v1/markets/{market}/sellers/{{seller}}/{action}"
                op = paths.get(path, {}).get(method)
                where = f"{alid} {method.upper()} {path}"
                if op is None:
                    fail(f"{where}: route missing")
                    continue
                integ = op.get("x-amazon-apigateway-integration", {})
                branches = integ.get("Fn::If") if isinstance(integ, dict) else None
                if not branches or branches[0] != f"{prefix}OnLambda":
                    fail(f"{where}: integration must be !If [{prefix}OnLambda, <lambda>, <legacy>]")
                    continue
                lam, legacy = branches[1], branches[2]
                if lam.get("type") != "aws_proxy" or lid not in refs_in(lam.get("uri")):
                    fail(f"{where}: lambda branch must be aws_proxy to {lid}")
                want = f"${{{prefix}LegacyBaseUrl}}{path}"
                if legacy.get("type") != "http_proxy" or sub_text(legacy.get("uri")) != want:
                    fail(f"{where}: legacy branch must be http_proxy to {want}, got {legacy.get('uri')!r}")
                if legacy.get("httpMethod", "").lower() != method:
                    fail(f"{where}: legacy branch must forward as {method.upper()}")
        markets_in_api = {m.group(1) for p in paths for m in [re.match(r"^/v1/markets/([^/]+)/", p)] if m}
        for stray in sorted(markets_in_api - set(by_market)):
            fail(f"{alid}: routes for {stray} but no function for it")

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
    for name in ("ApiUrl",):
        if name not in outputs:
            fail(f"output {name} missing")
    if log_group and not any(o.get("Value") == {"Ref": log_group} for o in outputs.values()):
        fail(f"no output with the log group name (!Ref {log_group})")

    # ---- standalone schedules, if any, keep the time zone too -------------------------------
    for slid, sched in of_type("AWS::Scheduler::Schedule").items():
        if sched.get("Properties", {}).get("ScheduleExpressionTimezone") != "Asia/Seoul":
            fail(f"{slid}: ScheduleExpressionTimezone must be Asia/Seoul")

    # ---- samconfig.toml ----------------------------------------------------------------------
    if tomllib and os.path.exists(SAMCONFIG):
        with open(SAMCONFIG, "rb") as f:
            cfg = tomllib.load(f)
        for env in ("default", "dev", "prod"):
            deploy = cfg.get(env, {}).get("deploy", {}).get("parameters", {})
            if not deploy:
                fail(f"samconfig.toml: [{env}.deploy.parameters] missing")
                continue
            overrides = deploy.get("parameter_overrides", [])
            if isinstance(overrides, str):
                overrides = overrides.split()
            for item in overrides:
                key, _, value = item.partition("=")
                if key not in params:
                    fail(f"samconfig.toml [{env}]: {key} is not a template parameter")
                    continue
                allowed = [str(v) for v in params[key].get("AllowedValues", [])]
                if allowed and value not in allowed:
                    fail(f"samconfig.toml [{env}]: {key}={value} not in {allowed}")
                pattern = params[key].get("AllowedPattern")
                if pattern and not re.fullmatch(pattern, value):
                    fail(f"samconfig.toml [{env}]: {key}={value} does not match {pattern}")
            if deploy.get("capabilities") != "CAPABILITY_IAM":
                fail(f"samconfig.toml [{env}]: capabilities must be CAPABILITY_IAM")
            if cfg.get(env, {}).get("global", {}).get("parameters", {}).get("region") != "ap-northeast-2":
                fail(f"samconfig.toml [{env}]: region must be ap-northeast-2")

    if errors:
        for e in errors:
            print(f"check-template: FAIL: {e}", file=sys.stderr)
        print(f"check-template: {len(errors)} violation(s)", file=sys.stderr)
        sys.exit(1)
    print(
        f"check-template: OK ({len(by_market)} markets: {', '.join(sorted(by_market))}; "
        f"{sum(len(functions[l].get('Properties', {}).get('Events', {})) for l in by_market.values())} schedules)"
    )


if __name__ == "__main__":
    main()
