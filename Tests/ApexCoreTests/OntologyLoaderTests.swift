import ApexCore
import Testing

@Suite struct OntologyLoaderTests {
    static let valid = """
        name: logistics
        version: 1
        entity_types:
          Tractor:
            description: Power unit (truck) in the fleet
            key: unit_number
            properties:
              unit_number: {type: string, required: true, description: "Unit number, e.g. 6520"}
              status:      {type: string, enum: [active, in_repair, retired]}
              current_miles: integer
          Driver:
            key: driver_id
            properties:
              driver_id: {type: string, required: true}
        relation_types:
          ASSIGNED_TO:
            from: Driver
            to: Tractor
            cardinality: one_to_one
            description: Driver assigned to drive a tractor
          KNOWS: {from: Driver, to: Driver}
        """

    @Test func loadsTypesPropertiesAndRelationsInOrder() throws {
        let ontology = try OntologyLoader.load(Self.valid)
        #expect(ontology.name == "logistics" && ontology.version == 1)
        #expect(ontology.entityTypes.map(\.name) == ["Tractor", "Driver"])
        let tractor = try #require(ontology.entityType("Tractor"))
        #expect(tractor.key == "unit_number")
        #expect(tractor.description == "Power unit (truck) in the fleet")
        #expect(tractor.properties.map(\.name) == ["unit_number", "status", "current_miles"])
        #expect(tractor.property("unit_number")?.required == true)
        #expect(tractor.property("unit_number")?.description == "Unit number, e.g. 6520")
        #expect(tractor.property("status")?.allowedValues == ["active", "in_repair", "retired"])
        #expect(tractor.property("current_miles")?.type == .integer)
        #expect(ontology.relationType("ASSIGNED_TO")?.cardinality == .oneToOne)
        #expect(ontology.relationType("KNOWS")?.cardinality == .manyToMany)
    }

    @Test func acceptsJSON() throws {
        let json = #"{"name":"x","version":2,"entity_types":{"A":{"key":"k","properties":{"k":{"type":"string"}}}}}"#
        #expect(try OntologyLoader.load(json).entityTypes.map(\.name) == ["A"])
    }

    @Test(arguments: [
        ("version: 1\nentity_types: {A: {key: k, properties: {k: string}}}", "has no name"),
        ("name: x\nversion: one\nentity_types: {A: {key: k, properties: {k: string}}}", "version of the ontology must be an integer"),
        ("name: x\nversion: 1\nentity_types: {A: {key: id, properties: {k: string}}}", "not one of its properties"),
        ("name: x\nversion: 1\nentity_types: {A: {key: k, properties: {k: text}}}", "unknown type \"text\""),
        ("name: x\nversion: 1\nentity_types: {A: {key: k, properties: {k: {type: integer, enum: [a]}}}}", "only string properties take an enum"),
        ("name: x\nversion: 1\nentity_types: {A: {key: k, properties: {k: string}}}\nrelation_types: {R: {from: A, to: B}}", "not a declared entity type"),
        ("name: x\nversion: 1\nentity_types: {A: {key: k, properties: {k: string}}}\nrelation_types: {R: {from: A, to: A, cardinality: few}}", "unknown cardinality"),
        ("name: x\nversion: 1\nentity_types: {A: {key: k, colour: red, properties: {k: string}}}", "unknown field \"colour\""),
        ("name: x\nversion: 1\nentity_types: {}", "at least one entity type"),
        ("name: x\nversion: 1\nentity_types: [", "not valid YAML"),
        ("name: \"x\\u0000y\"\nversion: 1\nentity_types: {A: {key: k, properties: {k: string}}}", "holds the character U+0000"),
    ])
    func refusesBadOntologiesWithAReason(_ text: String, _ reason: String) {
        do {
            _ = try OntologyLoader.load(text)
            Issue.record("accepted a bad ontology")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func errorsNameTheLine() {
        let text = "name: x\nversion: 1\nentity_types:\n  A:\n    key: k\n    properties:\n      k: {type: strng}\n"
        do {
            _ = try OntologyLoader.load(text)
            Issue.record("accepted a bad ontology")
        } catch {
            #expect(error.line == 7)
            #expect(error.description.hasPrefix("ontology line 7:"))
        }
    }
}
