// Issue 8 at controller level in witness mode: the scenarios of support/controller-scenarios.ts
// (two regions running the real `splitguard controller`, three unbound witnesses, real faults).
import { controllerScenarios } from "./support/controller-scenarios.ts";

controllerScenarios("witness");
