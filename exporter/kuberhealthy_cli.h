// `vigil kuberhealthy`: vigil as a Kuberhealthy external check — the
// automated response to a security posture gone wrong. One shot: list the
// pods (the service account's in-cluster config, or --kube.* flags), turn
// them into the collector's series plus their running state (there is no
// kube-state-metrics to scrape in a check pod), evaluate the security rule
// pack once, and POST {"OK": bool, "Errors": [...]} to KH_REPORTING_URL
// with the kh-run-uuid header from KH_RUN_UUID, before
// KH_CHECK_RUN_DEADLINE (unix seconds).
//
// A check has no history, so an alert counts as soon as its expression
// holds: pending alerts fail the check as firing ones do, and rules over
// counters (Falco, API server) have nothing to say. CHECK_NAMESPACE (or
// --namespace) limits the check to one namespace; alerts without a
// namespace label then do not count. One error per alert, sorted.
//
// Exit codes: 0 the report was accepted (whatever it said), 1 it could not
// be delivered, 2 bad flags or environment.
#ifndef VIGIL_EXPORTER_KUBERHEALTHY_CLI_H_
#define VIGIL_EXPORTER_KUBERHEALTHY_CLI_H_

namespace vigil::cli {

int RunKuberhealthy(int argc, char** argv);

}  // namespace vigil::cli

#endif  // VIGIL_EXPORTER_KUBERHEALTHY_CLI_H_
