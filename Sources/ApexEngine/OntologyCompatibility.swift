public import ApexCore
public import ApexPorts

/// Decides whether a new ontology can replace the stored one without making stored data invalid.
///
/// Stored versions were checked against the old ontology, so only what the
/// data uses matters: every used entity type, property and relation type must
/// stay, with the same value type, an enum no narrower, no new `required` on a
/// property some version unsets, and the same relation ends. Cardinality may
/// change (it changes answers, not validity). Entity types are kept by name.
public enum OntologyCompatibility {
    /// Nil when `new` fits everything `usage` says is stored; otherwise the first reason it does not.
    public static func problem(replacing old: Ontology, with new: Ontology, usage: SchemaUsage) -> String? {
        for typeName in usage.entityTypes.sorted() where new.entityType(typeName) == nil {
            return "entity type \(typeName) has stored entities but is missing from the new ontology"
        }
        for use in usage.properties.sorted(by: { ($0.entityType, $0.property) < ($1.entityType, $1.property) }) {
            guard let newSpec = new.entityType(use.entityType)?.property(use.property) else {
                return "property \(use.property) of \(use.entityType) has stored values but is missing from the new ontology"
            }
            guard let oldSpec = old.entityType(use.entityType)?.property(use.property) else { continue }
            if newSpec.type != oldSpec.type {
                return "property \(use.property) of \(use.entityType) has stored values of type \(oldSpec.type.rawValue), not \(newSpec.type.rawValue)"
            }
            if let narrowed = newSpec.allowedValues, !Set(oldSpec.allowedValues ?? []).isSubset(of: narrowed) || oldSpec.allowedValues == nil {
                return "property \(use.property) of \(use.entityType) has stored values and its enum would become narrower (\(narrowed.joined(separator: ", ")))"
            }
            if newSpec.required && !oldSpec.required {
                return "property \(use.property) of \(use.entityType) has stored versions and cannot become required"
            }
        }
        for typeName in usage.entityTypes.sorted() {
            if let oldKey = old.entityType(typeName)?.key, let newKey = new.entityType(typeName)?.key, oldKey != newKey {
                return "entity type \(typeName) has stored entities keyed by \(oldKey), not \(newKey)"
            }
        }
        for relationName in usage.relationTypes.sorted() {
            guard let newRelation = new.relationType(relationName) else {
                return "relation type \(relationName) has stored facts but is missing from the new ontology"
            }
            if let oldRelation = old.relationType(relationName), oldRelation.from != newRelation.from || oldRelation.to != newRelation.to {
                return "relation type \(relationName) has stored facts from \(oldRelation.from) to \(oldRelation.to), not from \(newRelation.from) to \(newRelation.to)"
            }
        }
        return nil
    }
}
