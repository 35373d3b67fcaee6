/** Time as the core uses it (temporary: re-exports wait.ts and limiter.ts until provider/time/ lands, issue 16). */
export * from "../wait";
export * from "../limiter";
