import Foundation

/// The type of a property, checked when the stack loads (literals) and when it resolves (expressions).
public indirect enum PropertyType: Sendable {
    case string
    case int
    case bool
    case number
    case any
    /// A string from a fixed list; `caseInsensitive` for names like warehouse sizes.
    case enumeration([String], caseInsensitive: Bool)
    case list(PropertyType)
    /// A list whose order carries no meaning: compared as a set, so reordering is no change.
    case set(PropertyType)
    case map(PropertyType)
    case object([PropertySchema])
    /// A bare reference `${name}` to a resource of this kind; resolves to a map of that resource's
    /// reference value (`name`) and attributes, so a kind can use several of them (a role trusting an integration).
    case resource(kind: String)
    /// Any of several shapes, tried in order: `encryption: AES256` or `encryption: {algorithm: aws:kms, …}`.
    case oneOf([PropertyType])
    /// A string a provider's grammar checks (a Snowflake column type), with the problem's place in the text.
    case checked(StringCheck)

    /// Lists, sets, maps and objects: shapes a text value can never take.
    public var isStructured: Bool {
        switch self {
        case .list, .set, .map, .object: return true
        case .oneOf(let types): return types.allSatisfy(\.isStructured)
        default: return false
        }
    }

    public var isList: Bool {
        switch self {
        case .list, .set: return true
        case .oneOf(let types): return types.contains(where: \.isList)
        default: return false
        }
    }

    public var displayName: String {
        switch self {
        case .string: return "string"
        case .int: return "integer"
        case .bool: return "bool"
        case .number: return "number"
        case .any: return "any value"
        case .enumeration(let values, _): return "one of " + values.joined(separator: ", ")
        case .list(let t), .set(let t): return "list of \(t.displayName)"
        case .map(let t): return "map of \(t.displayName)"
        case .object: return "map"
        case .resource(let kind): return "a reference to a \(kind), like ${name}"
        case .oneOf(let types): return types.map(\.displayName).joined(separator: " or ")
        case .checked(let check): return check.name
        }
    }
}

/// A provider's grammar for a string property: nil when the text is valid, else what is wrong and where.
public struct StringCheck: Sendable {
    public var name: String
    public var problem: @Sendable (String) -> StringProblem?

    public init(name: String, problem: @escaping @Sendable (String) -> StringProblem?) {
        self.name = name
        self.problem = problem
    }
}

public struct StringProblem: Sendable, Equatable {
    public var message: String
    /// Characters from the start of the text to the problem.
    public var offset: Int
    public var hint: String

    public init(message: String, offset: Int, hint: String) {
        self.message = message
        self.offset = offset
        self.hint = hint
    }
}

public struct PropertySchema: Sendable {
    public var name: String
    public var type: PropertyType
    public var required: Bool
    public var defaultValue: Value?
    /// A change to this property cannot be made in place: the object is deleted and created again.
    public var forcesReplacement: Bool
    /// Masked in plans and output, stored only as a digest in state.
    public var sensitive: Bool
    /// Applies when the object is created and cannot be read back (a warehouse's `initially_suspended`):
    /// never compared with the live object, so it never shows as drift.
    public var createOnly: Bool
    public var summary: String

    public init(_ name: String, _ type: PropertyType, required: Bool = false, default defaultValue: Value? = nil,
                forcesReplacement: Bool = false, sensitive: Bool = false, createOnly: Bool = false, summary: String = "")
    {
        self.createOnly = createOnly
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.forcesReplacement = forcesReplacement
        self.sensitive = sensitive
        self.summary = summary
    }
}

/// When an attribute's value can be known.
public enum AttributeAvailability: Sendable, Hashable {
    /// Computable from these properties before the object exists (an IAM role's ARN from its name and path),
    /// so a reference to it creates no ordering edge.
    case planTime(inputs: [String])
    /// Known only once the object exists (a storage integration's external ID); a reference waits for it.
    case afterApply
}

public struct AttributeSchema: Sendable {
    public var name: String
    public var availability: AttributeAvailability
    public var sensitive: Bool
    public var summary: String

    public init(_ name: String, _ availability: AttributeAvailability, sensitive: Bool = false, summary: String = "") {
        self.name = name
        self.availability = availability
        self.sensitive = sensitive
        self.summary = summary
    }
}

public struct KindSchema: Sendable {
    /// The `type:` users write, e.g. `pool` or `aws.s3.bucket`.
    public var name: String
    public var summary: String
    public var properties: [PropertySchema]
    public var attributes: [AttributeSchema]
    /// The attribute a bare reference `${logical_name}` stands for.
    public var referenceAttribute: String
    /// Properties whose values identify the live object; a change to one of them replaces it.
    public var identityProperties: [String]
    /// A property that, when left out, takes the resource's logical name.
    public var nameDefaultsToLogicalName: String?
    /// Rules over several properties at once (which combinations are valid, a grant's privileges for the kind of
    /// object it is on), given the properties as written and where the resource starts; each problem names its own
    /// place in the file.
    public var combinationCheck: (@Sendable (_ written: [String: SourceNode], _ resource: SourceLocation) -> [Diagnostic])?

    public init(name: String, summary: String, properties: [PropertySchema], attributes: [AttributeSchema],
                referenceAttribute: String, identityProperties: [String], nameDefaultsToLogicalName: String? = nil)
    {
        self.name = name
        self.summary = summary
        self.properties = properties
        self.attributes = attributes
        self.referenceAttribute = referenceAttribute
        self.identityProperties = identityProperties
        self.nameDefaultsToLogicalName = nameDefaultsToLogicalName
    }

    public func property(_ name: String) -> PropertySchema? { properties.first { $0.name == name } }
    public func attribute(_ name: String) -> AttributeSchema? { attributes.first { $0.name == name } }

    /// Every name that `${resource.NAME}` may use.
    public var referenceableNames: [String] { properties.map(\.name) + attributes.map(\.name) }

    public func isSensitive(_ name: String) -> Bool {
        property(name)?.sensitive ?? attribute(name)?.sensitive ?? false
    }
}
