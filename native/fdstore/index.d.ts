/**
 * systemd's file descriptor store from Node (https://systemd.io/FILE_DESCRIPTOR_STORE/).
 * Both read or change the process's real environment and descriptors: call them on the main
 * thread (a worker's process.env is a copy that libsystemd does not see).
 */

/**
 * sd_pid_notify_with_fds(0, 0, state, fds): sends `state` (e.g. "FDSTORE=1\nFDNAME=collect-conn")
 * to $NOTIFY_SOCKET with `fds` attached (SCM_RIGHTS; at most 253). The descriptors stay open here:
 * the receiver gets duplicates.
 * @returns true when sent, false when NOTIFY_SOCKET is unset (nothing sent).
 * @throws Error naming the errno text, with `code` its name: EBADF for a descriptor that is not open
 *   (checked first, whether NOTIFY_SOCKET is set or not), ENOENT or ECONNREFUSED when nothing listens at
 *   NOTIFY_SOCKET; TypeError for arguments of the wrong type.
 */
export function notifyWithFds(state: string, fds: number[]): boolean;

/**
 * memfd_create(name, MFD_CLOEXEC): an anonymous in-memory file (close it with fs.closeSync).
 * @returns its file descriptor.
 * @throws Error naming the errno text, with `code` its name.
 */
export function memfdCreate(name: string): number;
