import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program run without a shell, as Go's `os/exec` runs gomplate's plugins and post-exec
/// command: the name is looked up in `PATH` unless it holds a `/`, the environment is edpctl's.
package enum ChildProcess {
    /// How a captured run ended.
    package struct Outcome: Sendable {
        /// The exit status, or nil when a signal ended the program (`signal` says which).
        package var exitStatus: Int32?
        package var signal: Int32?
        package var standardOutput: [UInt8] = []
        /// The program's standard error, at most `errorLimit` bytes of it (the first ones).
        package var standardError: [UInt8] = []
        /// Whether more standard error came than was kept.
        package var standardErrorTruncated = false
        /// Whether the run was killed for taking longer than its timeout.
        package var timedOut = false
        /// Whether the run was killed for writing more than `outputLimit` bytes to standard output.
        package var outputExceeded = false
        /// Whether the program had ended (and was reaped) when the timeout killed its group: its
        /// children kept the pipes open.
        package var endedBeforeTimeout = false
    }

    /// Why a program could not be started: `errno` of `posix_spawn`, with the program's name.
    package struct StartError: Error, CustomStringConvertible {
        package let program: String
        package let code: Int32
        package var description: String {
            code == ENOENT && !program.contains("/")
                ? "exec: \"\(program)\": executable file not found in $PATH"
                : "fork/exec \(program): \(String(cString: strerror(code)))"
        }
    }

    /// Runs `arguments` (program first) with `input` on its standard input, keeps its standard
    /// output (up to `outputLimit` bytes) and the first `errorLimit` bytes of its standard error,
    /// and kills it (and every process it started: it runs in a process group of its own) when
    /// `timeout` seconds pass or its output passes the limit.
    package static func capture(_ arguments: [String], input: [UInt8]?, timeout: Double,
                                outputLimit: Int = WorkLimits.maxStringBytes,
                                errorLimit: Int = 4096) throws(StartError) -> Outcome {
        precondition(!arguments.isEmpty, "a program to run")
        let deadline = monotonicSeconds() + timeout
        let signals = SIGPIPEHeld()
        defer { signals.release() }
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        spawnLock.lock()
        guard makePipe(&stdinPipe), makePipe(&stdoutPipe), makePipe(&stderrPipe) else {
            let code = errno
            spawnLock.unlock()
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            throw StartError(program: arguments[0], code: code)
        }
        let pid: pid_t
        do {
            pid = try spawn(arguments, standardInput: stdinPipe[0], standardOutput: stdoutPipe[1],
                            standardError: stderrPipe[1], ownProcessGroup: true)
            spawnLock.unlock()
            SignalForwarder.shared.track(pid, ownGroup: true)
        } catch {
            spawnLock.unlock()
            for fd in stdinPipe + stdoutPipe + stderrPipe { close(fd) }
            throw error
        }
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])

        var outcome = Outcome()
        let pending = input ?? []
        var written = 0
        var writeEnd: Int32 = stdinPipe[1]
        if pending.isEmpty { close(writeEnd); writeEnd = -1 }
        if writeEnd >= 0 {
            _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        }
        var readEnds: [Int32] = [stdoutPipe[0], stderrPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while (!readEnds.isEmpty || writeEnd >= 0) && !outcome.outputExceeded {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { outcome.timedOut = true; break }
            var polled = readEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeEnd >= 0 { polled.append(pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&polled, nfds_t(polled.count), Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 && errno != EINTR { break }
            for entry in polled where entry.revents != 0 {
                if entry.fd == writeEnd {
                    let count = pending.withUnsafeBytes {
                        write(writeEnd, $0.baseAddress! + written, min($0.count - written, 65536))
                    }
                    if count > 0 { written += count }
                    if written == pending.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeEnd)
                        writeEnd = -1
                    }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdoutPipe[0] {
                        outcome.standardOutput += buffer[..<count]
                        if outcome.standardOutput.count > outputLimit { outcome.outputExceeded = true }
                    } else {
                        let room = max(0, errorLimit - outcome.standardError.count)
                        outcome.standardError += buffer[..<min(count, room)]
                        if count > room { outcome.standardErrorTruncated = true }
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    readEnds.removeAll { $0 == entry.fd }
                }
            }
        }
        for fd in readEnds { close(fd) }
        if writeEnd >= 0 { close(writeEnd) }

        // Both output pipes closed: the program is about to end, or closed them and goes on.
        var status: Int32 = 0
        while !outcome.timedOut && !outcome.outputExceeded {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { break }
            if monotonicSeconds() >= deadline { outcome.timedOut = true; break }
            usleep(5000)
        }
        if outcome.timedOut || outcome.outputExceeded {
            // The program may have ended already, its own children (a `sleep`) keeping the pipes
            // open: the whole group goes.
            let reaped = waitpid(pid, &status, WNOHANG) == pid
            outcome.endedBeforeTimeout = reaped && outcome.timedOut
            kill(-pid, SIGKILL)
            if !reaped { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
        }
        SignalForwarder.shared.untrack(pid)
        SignalForwarder.shared.awaitEnding()
        record(status, in: &outcome)
        return outcome
    }

    /// Runs `arguments` with edpctl's own standard output and error, and `input` on its standard
    /// input (edpctl's own when nil), to its end: gomplate's post-exec command. Stays in edpctl's
    /// process group, so that a Ctrl-C at the terminal reaches it too.
    package static func run(_ arguments: [String], input: [UInt8]?) throws(StartError) -> Outcome {
        precondition(!arguments.isEmpty, "a program to run")
        var stdinPipe: [Int32] = [-1, -1]
        spawnLock.lock()
        if input != nil && !makePipe(&stdinPipe) {
            spawnLock.unlock()
            throw StartError(program: arguments[0], code: errno)
        }
        let pid: pid_t
        do {
            pid = try spawn(arguments, standardInput: input == nil ? 0 : stdinPipe[0], standardOutput: 1,
                            standardError: 2, ownProcessGroup: false)
            spawnLock.unlock()
            SignalForwarder.shared.track(pid, ownGroup: false)
        } catch {
            spawnLock.unlock()
            if input != nil { close(stdinPipe[0]); close(stdinPipe[1]) }
            throw error
        }
        if let input {
            close(stdinPipe[0])
            let signals = SIGPIPEHeld()
            defer { signals.release() }
            var offset = 0
            while offset < input.count {
                let written = input.withUnsafeBytes { write(stdinPipe[1], $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 && errno == EINTR { continue }
                // The command stopped reading (EPIPE): what it does about it is its exit status.
                if written <= 0 { break }
                offset += written
            }
            close(stdinPipe[1])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        SignalForwarder.shared.untrack(pid)
        var outcome = Outcome()
        record(status, in: &outcome)
        return outcome
    }

    // MARK: Helpers

    private static func spawn(_ arguments: [String], standardInput: Int32, standardOutput: Int32,
                              standardError: Int32, ownProcessGroup: Bool) throws(StartError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (from, to) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] where from != to {
            posix_spawn_file_actions_adddup2(&actions, from, to)
        }
        // Only 0, 1 and 2 reach the program, as in Go: not the files other threads have open
        // (outputs being written, which Foundation opens without FD_CLOEXEC).
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The program starts with these signals at their defaults and unblocked, whatever edpctl
        // ignores (SIGPIPE, the forwarded ones) or this thread holds.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGPIPE] + SignalForwarder.forwarded { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if ownProcessGroup {
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, flags)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        var code = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        // A script just written may still be open for writing in a program being started at that
        // moment (which holds it until its exec); that passes within milliseconds.
        for _ in 0..<20 where code == ETXTBSY {
            usleep(10_000)
            code = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        }
        guard code == 0 else { throw StartError(program: arguments[0], code: code) }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module leaves out with the other GNU extensions; nil where the C library lacks it.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Held from making a run's pipes to starting its program: templates run plugins on several
    /// threads, and a program started between `pipe` and `FD_CLOEXEC` would hold another's pipe
    /// open (Glibc's module has no `pipe2`).
    private static let spawnLock = NSLock()

    /// A pipe whose ends are closed in any program started, so that only the ends `posix_spawn`
    /// puts on 0, 1 and 2 reach it. Call with `spawnLock` held.
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        ends = fds
        return true
    }

    /// SIGPIPE blocked on this thread while a program's input is written: a program that exits
    /// without reading it makes `write` fail with EPIPE instead of ending edpctl. The signal that
    /// write raised is taken off the thread before the old mask returns (as libcurl does), so
    /// edpctl's own writes to a closed standard output keep their default effect.
    private struct SIGPIPEHeld {
        private var previous = sigset_t()

        init() {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        }

        func release() {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            var pending = sigset_t()
            sigpending(&pending)
            var restored = previous
            if sigismember(&pending, SIGPIPE) == 1 && sigismember(&restored, SIGPIPE) == 0 {
                var zero = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &zero)
            }
            pthread_sigmask(SIG_SETMASK, &restored, nil)
        }
    }

    private static func record(_ status: Int32, in outcome: inout Outcome) {
        let signal = status & 0x7f
        if signal == 0 {
            outcome.exitStatus = (status >> 8) & 0xff
        } else {
            outcome.signal = signal
        }
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
