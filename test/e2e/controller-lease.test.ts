// Issue 8 at controller level in lease mode: the scenarios of support/controller-scenarios.ts with
// three BIND 9 lease witnesses in their own namespaces and the FailoverService in `safety: lease`.
// The promotion bound adds the lease's ttl + margin (a contender waits that long over unchanged
// values before it takes the lease over).
import { controllerScenarios } from "./support/controller-scenarios.ts";

controllerScenarios("lease");
