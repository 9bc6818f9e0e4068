/**
 * Node starts its inspector (a debugger any local user can connect to, and
 * so run code as this process's user) when it receives SIGUSR1. Daemons and
 * long-running tools take SIGUSR1 over, so an administrator's habitual
 * `kill -USR1` (a reopen or status signal for many daemons) cannot open it.
 */
export function guardInspectorSignal(onSignal: () => void = () => undefined): void {
  process.on('SIGUSR1', onSignal);
}
