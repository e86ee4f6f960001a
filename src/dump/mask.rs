//! Keys in a node's rendered files, masked for a dump that may end up as a public CI artifact.

/// `signature-provider = PUB=KEY:PRIVATE` becomes `signature-provider = PUB=KEY:***` (the public
/// key stays: it says which producer the node signs for); other lines are left as they are.
pub fn mask_config(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let key = body.split('=').next().unwrap_or("").trim();
        if key == "signature-provider" || key == "peer-private-key" {
            match body.rfind(':') {
                Some(i) if key == "signature-provider" => out.push_str(&format!("{}:***{end}", &body[..i])),
                _ => out.push_str(&format!("{key} = ***{end}")),
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_go_public_keys_stay() {
        let ini = "agent-name = x\nsignature-provider = EOS6abc=KEY:5Kxyz\nsignature-provider = PUB_BLS_q=KEY:PVT_BLS_w\np2p-peer-address = a:1";
        let masked = mask_config(ini);
        assert_eq!(
            masked,
            "agent-name = x\nsignature-provider = EOS6abc=KEY:***\nsignature-provider = PUB_BLS_q=KEY:***\np2p-peer-address = a:1"
        );
        assert!(!masked.contains("5Kxyz") && !masked.contains("PVT_BLS"));
    }
}
