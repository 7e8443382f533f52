import Foundation

/// A directed graph where an edge `from → to` means "`from` depends on `to`".
/// It knows nothing of resources: the plan, destroy and pipeline runner all use it.
public struct Graph<Node: Hashable & Comparable & Sendable>: Sendable {
    public private(set) var nodes: [Node] = []
    private var nodeSet: Set<Node> = []
    public private(set) var dependencies: [Node: Set<Node>] = [:]
    public private(set) var dependents: [Node: Set<Node>] = [:]

    public init() {}

    public mutating func addNode(_ node: Node) {
        if nodeSet.insert(node).inserted { nodes.append(node) }
    }

    public mutating func addEdge(from dependent: Node, to dependency: Node) {
        addNode(dependent)
        addNode(dependency)
        dependencies[dependent, default: []].insert(dependency)
        dependents[dependency, default: []].insert(dependent)
    }

    public func contains(_ node: Node) -> Bool { nodeSet.contains(node) }

    /// A cycle as a path that starts and ends at the same node, or nil. Deterministic: nodes are visited in sorted order.
    public func findCycle() -> [Node]? {
        var marks: [Node: VisitMark] = [:]
        var stack: [Node] = []

        func visit(_ node: Node) -> [Node]? {
            marks[node] = .visiting
            stack.append(node)
            for next in (dependencies[node] ?? []).sorted() {
                switch marks[next] {
                case .visiting?:
                    let start = stack.firstIndex(of: next)!
                    return Array(stack[start...]) + [next]
                case nil:
                    if let cycle = visit(next) { return cycle }
                case .done?:
                    break
                }
            }
            stack.removeLast()
            marks[node] = .done
            return nil
        }

        for node in nodes.sorted() where marks[node] == nil {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }

    /// Dependencies before dependents; ties in sorted order so output is stable. Nil if cyclic.
    public func topologicalOrder() -> [Node]? {
        var remaining = Dictionary(uniqueKeysWithValues: nodes.map { ($0, dependencies[$0]?.count ?? 0) })
        var ready = nodes.filter { remaining[$0] == 0 }.sorted()
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        var index = 0
        while index < ready.count {
            let node = ready[index]
            index += 1
            order.append(node)
            var released: [Node] = []
            for dependent in dependents[node] ?? [] {
                remaining[dependent]! -= 1
                if remaining[dependent] == 0 { released.append(dependent) }
            }
            ready.append(contentsOf: released.sorted())
        }
        return order.count == nodes.count ? order : nil
    }

    /// The same graph with every edge turned around: what destroy walks.
    public func reversed() -> Graph<Node> {
        var graph = Graph<Node>()
        for node in nodes { graph.addNode(node) }
        for (dependent, targets) in dependencies {
            for target in targets { graph.addEdge(from: target, to: dependent) }
        }
        return graph
    }

    /// Graphviz DOT, edges pointing from a node to what it depends on.
    public func dot(name: String, label: (Node) -> String) -> String {
        var lines = ["digraph \"\(name)\" {", "  rankdir = \"RL\";", "  node [shape = box];"]
        for node in nodes.sorted() { lines.append("  \"\(label(node))\";") }
        for node in nodes.sorted() {
            for target in (dependencies[node] ?? []).sorted() { lines.append("  \"\(label(node))\" -> \"\(label(target))\";") }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}

enum VisitMark { case visiting, done }

/// Walks a graph concurrently: a node runs once all its dependencies succeeded, at most `parallelism`
/// at a time. When a node fails, its dependents are skipped; independent branches go on.
public enum GraphWalker {
    public enum Outcome: Sendable, Equatable {
        case succeeded
        case failed(String)
        /// Not run because this dependency failed or was skipped.
        case skipped(because: String)
    }

    public static func walk<Node>(_ graph: Graph<Node>, parallelism: Int,
                                  _ body: @escaping @Sendable (Node) async throws -> Void) async -> [Node: Outcome]
    {
        var outcomes: [Node: Outcome] = [:]
        var waiting = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0, graph.dependencies[$0]?.count ?? 0) })
        var ready = graph.nodes.filter { waiting[$0] == 0 }.sorted()
        var running = 0
        let limit = max(1, parallelism)

        await withTaskGroup(of: (Node, Outcome).self) { group in
            func launch() {
                while running < limit, !ready.isEmpty {
                    let node = ready.removeFirst()
                    running += 1
                    group.addTask {
                        do {
                            try await body(node)
                            return (node, .succeeded)
                        } catch {
                            return (node, .failed(String(describing: error)))
                        }
                    }
                }
            }

            func settle(_ node: Node, _ outcome: Outcome) {
                outcomes[node] = outcome
                for dependent in (graph.dependents[node] ?? []).sorted() where outcomes[dependent] == nil {
                    if outcome == .succeeded {
                        waiting[dependent]! -= 1
                        if waiting[dependent] == 0 { ready.append(dependent) }
                    } else {
                        let cause: String
                        if case .skipped(let root) = outcome { cause = root } else { cause = "\(node)" }
                        settle(dependent, .skipped(because: cause))
                    }
                }
            }

            launch()
            while let (node, outcome) = await group.next() {
                running -= 1
                settle(node, outcome)
                launch()
            }
        }
        return outcomes
    }
}
