import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Passes SIGINT, SIGTERM and SIGHUP on to the programs edpctl is running, as gomplate does. A
/// plugin runs in a process group of its own (so that a timeout kills what it started), which a
/// Ctrl-C at the terminal or a CI runner's SIGTERM would not reach: the signal goes to each
/// plugin's group, and edpctl then ends by it as it would have. A post-exec command is in
/// edpctl's group: it gets the signal, and edpctl waits for it to end.
final class SignalForwarder: @unchecked Sendable {
    static let shared = SignalForwarder()
    static let forwarded = [SIGINT, SIGTERM, SIGHUP]

    private let lock = NSLock()
    /// Running programs: pid → whether it leads a process group of its own.
    private var running: [pid_t: Bool] = [:]
    private var sources: [DispatchSourceSignal] = []
    /// Set once edpctl is ending by a signal, before the plugins are signalled.
    private var ending = false

    func track(_ pid: pid_t, ownGroup: Bool) {
        lock.withLock {
            if sources.isEmpty { install() }
            running[pid] = ownGroup
        }
    }

    func untrack(_ pid: pid_t) {
        _ = lock.withLock { running.removeValue(forKey: pid) }
    }

    /// Called with `lock` held, once. A signal edpctl was started with ignored (`nohup`, a CI
    /// runner's SIGHUP) stays ignored, for edpctl and for what it runs, as Go's `signal.Notify` leaves it.
    private func install() {
        for number in Self.forwarded {
            var current = sigaction()
            sigaction(number, nil, &current)
            // SIG_IGN is the handler 1; C function pointers compare only by address.
            if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1 { continue }
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in forward(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Waits, a little, for the signal to end edpctl when it is ending by one: a thread whose
    /// plugin the signal killed must not report that as the render's failure and exit 1 first.
    func awaitEnding() {
        for _ in 0..<200 where lock.withLock({ ending }) { usleep(10_000) }
    }

    private func forward(_ number: Int32) {
        let targets = lock.withLock {
            // A post-exec command decides for itself; otherwise edpctl ends by the signal, as before.
            if !running.values.contains(false) { ending = true }
            return running
        }
        for (pid, ownGroup) in targets {
            kill(ownGroup ? -pid : pid, number)
            // A plugin's group ends with edpctl: a shell's background jobs ignore SIGINT.
            if ownGroup && !targets.values.contains(false) { kill(-pid, SIGKILL) }
        }
        if !targets.values.contains(false) {
            // Raised on this thread with the signal unblocked: edpctl may have started with it
            // blocked (a parent's mask is inherited), and then it would stay pending.
            signal(number, SIG_DFL)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, number)
            pthread_sigmask(SIG_UNBLOCK, &only, nil)
            raise(number)
        }
    }
}
